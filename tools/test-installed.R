# `make test-r-cran`: the testthat suite against the installed kswitch, under whatever
# reticulate comes first on the library path (CRAN's, with keras3 and keras beside it);
# KSWITCH_TEST_FILTER (a regular expression on file names) runs only some files.
stopifnot(packageVersion("reticulate") >= "1.42")
message("reticulate ", packageVersion("reticulate"), ", keras3 ", packageVersion("keras3"),
        ", keras ", packageVersion("keras"))
filter <- Sys.getenv("KSWITCH_TEST_FILTER")
testthat::test_dir("tests/testthat", package = "kswitch", load_package = "installed",
                   filter = if (nzchar(filter)) filter,
                   reporter = testthat::ProgressReporter$new(show_praise = FALSE))
