# `make reticulate-diff`: which testthat files behave differently under Debian's reticulate
# (1.28) and CRAN's (1.46). Run once per reticulate, each file against the installed kswitch:
#   Rscript tools/reticulate-diff.R OUT.rds
# records per file its tests' outcomes (passed, skipped, failed), its time, and the kswitch
# functions it called in this process (every function of the namespace traced). Then
#   Rscript tools/reticulate-diff.R --compare A.rds B.rds
# prints the files whose outcomes or functions differ: the ones worth a second pass.
# KSWITCH_TEST_FILTER (a regular expression on file names) records only some files. Python
# starts in the first file that needs it: what binding it does under each shows there.
args <- commandArgs(trailingOnly = TRUE)

record <- function(out) {
  library(kswitch)
  ns <- asNamespace("kswitch")
  called <- new.env()
  traced <- Filter(function(name) is.function(ns[[name]]) && !is.primitive(ns[[name]]),
                   ls(ns, all.names = TRUE))
  for (name in traced) {
    suppressMessages(trace(name, tracer = call("assign", name, TRUE, envir = called),
                           where = ns, print = FALSE))
  }
  # One test_dir() run, as the suite runs; a reporter notes where each file starts and ends.
  by_file <- list()
  file <- started <- NULL
  marker <- R6::R6Class("FileMarker", inherit = testthat::Reporter, public = list(
    start_file = function(filename) {
      rm(list = ls(called), envir = called)
      file <<- basename(filename)
      started <<- proc.time()[["elapsed"]]
    },
    end_file = function() {
      by_file[[file]] <<- list(time = proc.time()[["elapsed"]] - started,
                               functions = sort(ls(called)))
    }
  ))
  filter <- Sys.getenv("KSWITCH_TEST_FILTER")  # as for make test-r-cran: some files only
  results <- testthat::test_dir("tests/testthat", package = "kswitch",
                                filter = if (nzchar(filter)) filter,
                                load_package = "installed", stop_on_failure = FALSE,
                                reporter = testthat::MultiReporter$new(list(
                                  testthat::ListReporter$new(), marker$new())))
  tests <- as.data.frame(results)
  outcome <- ifelse(tests$failed > 0 | tests$error, "failed",
                    ifelse(tests$skipped, "skipped", "passed"))
  for (file in names(by_file)) {
    mine <- tests$file == file
    by_file[[file]]$tests <- stats::setNames(paste(outcome[mine], tests$nb[mine]),
                                             tests$test[mine])
    message(sprintf("%-32s %6.1f s  %s", file, by_file[[file]]$time,
                    paste(names(table(outcome[mine])), table(outcome[mine]), collapse = ", ")))
  }
  saveRDS(list(reticulate = as.character(utils::packageVersion("reticulate")),
               files = by_file), out)
}

compare <- function(a, b) {
  a <- readRDS(a)
  b <- readRDS(b)
  cat(sprintf("%-30s %8s %8s  %s\n", "file", a$reticulate, b$reticulate, "differs in"))
  for (file in union(names(a$files), names(b$files))) {
    x <- a$files[[file]]
    y <- b$files[[file]]
    tests <- union(names(x$tests), names(y$tests))
    tests <- tests[x$tests[tests] %in% NA | y$tests[tests] %in% NA |
                     x$tests[tests] != y$tests[tests]]
    functions <- union(setdiff(x$functions, y$functions), setdiff(y$functions, x$functions))
    why <- c(if (length(tests)) sprintf("%d tests", length(tests)),
             if (length(functions)) sprintf("functions: %s", paste(functions, collapse = " ")))
    cat(sprintf("%-30s %7.0fs %7.0fs  %s\n", file, if (is.null(x)) NA else x$time,
                if (is.null(y)) NA else y$time,
                if (length(why)) paste(why, collapse = "; ") else "-"))
  }
}

if (identical(args[1], "--compare")) compare(args[2], args[3]) else record(args[1])
