# `make test-r-cran`: the testthat suite against the installed kswitch, under whatever
# reticulate comes first on the library path (CRAN's, with keras3 and keras beside it).
stopifnot(packageVersion("reticulate") >= "1.42")
message("reticulate ", packageVersion("reticulate"), ", keras3 ", packageVersion("keras3"),
        ", keras ", packageVersion("keras"))
testthat::test_dir("tests/testthat", package = "kswitch", load_package = "installed",
                   reporter = testthat::ProgressReporter$new(show_praise = FALSE))
