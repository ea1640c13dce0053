# Lints kswitch's R code with the house style (.lintr): what lintr::lint_package() lints (R/,
# tests/testthat/ with its fixture package, the vignettes' R chunks) and bench/, demo/ and
# tools/. Run from the repository root (`make lint`); prints the lints and quits with status 1
# if there are any. (Transcripts of sessions that cannot run while a vignette builds are
# Markdown code blocks, not chunks: their output lines are not code.)
dirs <- c("R", "tests/testthat", "vignettes", "bench", "demo", "tools")
pattern <- "[.](R|Rmd)$"
files <- list.files(dirs, pattern = pattern, full.names = TRUE, recursive = TRUE)
# lint_dir() reads .lintr (found from each directory upwards) and its exclusions; its names
# are relative to the directory linted, so prefix that to name files from the root.
lints <- lapply(dirs, function(dir) {
  found <- lintr::lint_dir(dir, pattern = pattern)
  for (i in seq_along(found)) found[[i]]$filename <- file.path(dir, found[[i]]$filename)
  found
})
lints <- do.call(c, lints)

# One compatibility layer per upstream: their internals are read only there
# (R/*-compat.R; inst/python/kswitch/keras_compat.py for Keras's `keras.src`).
internal_reads <- function(files, pattern) {
  hits <- lapply(files, function(f) {
    lines <- readLines(f, warn = FALSE)
    found <- grep(pattern, lines)
    if (length(found)) sprintf("%s:%d: %s", f, found, trimws(lines[found]))
  })
  unlist(hits)
}
outside <- c(
  internal_reads(setdiff(list.files("R", "[.]R$", full.names = TRUE),
                         list.files("R", "-compat[.]R$", full.names = TRUE)),
                 paste0('asNamespace\\("(keras3|keras|reticulate)"\\)|',
                        '(keras3|keras|reticulate):::|"(pyobj|before_load)"|[.]globals')),
  internal_reads(setdiff(list.files("inst/python/kswitch", "[.]py$", full.names = TRUE),
                         "inst/python/kswitch/keras_compat.py"), "keras[.]src[.]"))
if (length(outside) > 0L) {
  cat("An upstream's internals read outside its compatibility layer:", outside, sep = "\n")
  quit(status = 1L)
}
if (length(lints) > 0L) {
  print(lints)
  cat(sprintf("lintr: %d lints in %d files\n", length(lints), length(files)))
  quit(status = 1L)
}
cat(sprintf("lintr: 0 lints in %d files\n", length(files)))
