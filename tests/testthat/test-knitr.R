# Notebooks: the keras_backend chunk option, and the vignettes, rendered by rmarkdown in a
# new R process (as a user's render would start).

render_in_fresh_r <- function(input, output_format = "md_document", env = character()) {
  out_dir <- tempfile("render-", tmpdir = test_root)
  dir.create(out_dir)
  in_fresh_r(function(input, out_dir, output_format) {
    file <- rmarkdown::render(input, output_format = output_format, output_dir = out_dir,
                              intermediates_dir = out_dir, quiet = TRUE, envir = new.env())
    list(lines = readLines(file), backend = kswitch::backend())
  }, args = list(input = input, out_dir = out_dir, output_format = output_format), env = env)
}

test_that("a notebook runs each R and Python chunk on its keras_backend, then restores", {
  skip_without_backends("tensorflow", "jax", "torch")
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  home <- local_test_home()
  path <- write_config(home, '{"backend": "tensorflow", "mine": 1}')
  before <- read_bytes(path)
  out <- render_in_fresh_r(test_path("fixtures", "notebook.Rmd"))
  printed <- sub("^\\s*## ", "", grep("^\\s*## ", out$lines, value = TRUE))
  expect_equal(grep("chunk:|After", printed, value = TRUE), c(
    "R chunk: jax jax", "Python chunk: torch", "R chunk: tensorflow tensorflow",
    "Python chunk: jax", "R chunk: torch", "After the chunks: tensorflow"))
  expect_true(any(grepl("this chunk fails on purpose", out$lines)))
  expect_equal(out$backend, "tensorflow")
  expect_identical(read_bytes(path), before)
})

test_that("a bad keras_backend chunk option fails the chunk with the classed error", {
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  local_test_home()
  doc <- tempfile("bad-", tmpdir = test_root, fileext = ".Rmd")
  writeLines(c("```{r}", "library(kswitch)", "```", "",
               "```{r, keras_backend = 'Jax'}", "backend()", "```"), doc)
  err <- expect_error(render_in_fresh_r(doc))
  expect_match(conditionMessage(err), "Did you mean \"jax\"?", fixed = TRUE)
})

test_that("with error = TRUE a bad keras_backend shows the error and the document goes on", {
  skip_without_backends("jax")
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  local_test_home()
  doc <- tempfile("bad-", tmpdir = test_root, fileext = ".Rmd")
  writeLines(c("```{r}", "library(kswitch)", "```", "",
               "```{r, keras_backend = 'Jax', error = TRUE}", "cat('ran on', backend())", "```",
               "", "```{r, keras_backend = 'jax'}", "cat('chunk on', backend())", "```"), doc)
  out <- render_in_fresh_r(doc)
  expect_true(any(grepl("Did you mean \"jax\"?", out$lines, fixed = TRUE)))
  expect_false(any(grepl("## ran on", out$lines, fixed = TRUE)))  # not run on another backend
  expect_true(any(grepl("## chunk on jax", out$lines, fixed = TRUE)))
})

vignette_source <- function(name) {
  installed <- system.file("doc", paste0(name, ".Rmd"), package = "kswitch")
  if (nzchar(installed)) return(installed)
  source <- test_path("..", "..", "vignettes", paste0(name, ".Rmd"))
  if (file.exists(source)) source else NULL
}

test_that("the vignettes render and show each backend at work", {
  skip_without_backends("tensorflow", "jax", "torch")
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  local_test_home()
  switching <- vignette_source("switching-backends")
  testing <- vignette_source("testing-across-backends")
  skip_if(is.null(switching) || is.null(testing),
          "the vignette sources are not installed (package built without vignettes)")
  out <- render_in_fresh_r(switching)
  expect_true(any(grepl("^\\s*#> device\\(type='cpu'\\)", out$lines)))  # torch, via with_backend
  expect_true(any(grepl("^\\s*#> \\{CpuDevice", out$lines)))  # the jax Python chunk
  expect_true(any(grepl("^\\s*#> tensorflow$", out$lines)))   # the tensorflow Python chunk
  out <- render_in_fresh_r(testing)
  expect_true(any(grepl("log1p() is exact [jax]", out$lines, fixed = TRUE)))
  expect_true(any(grepl("Did you mean \"tensorflow\"?", out$lines, fixed = TRUE)))
})

test_that("without Keras the vignettes still build: code shown, not run, and a note why", {
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not installed")
  local_test_home()
  sources <- c(vignette_source("switching-backends"), vignette_source("testing-across-backends"))
  skip_if(length(sources) < 2,
          "the vignette sources are not installed (package built without vignettes)")
  python <- python_without_keras()
  for (source in sources) {
    out <- render_in_fresh_r(source, env = c(RETICULATE_PYTHON = python))
    text <- gsub("[>[:space:]]+", " ", paste(out$lines, collapse = " "))  # unwrapped
    expect_match(text, "could not run, so its code is shown without output", fixed = TRUE)
    expect_match(text, "library(kswitch)", fixed = TRUE)
    # No output but the transcripts the text itself shows.
    output <- function(lines) sum(grepl("^\\s*#> ", lines))
    expect_equal(output(out$lines), output(readLines(source)), label = basename(source))
  }
})
