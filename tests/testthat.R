library(testthat)
library(kswitch)

# KSWITCH_TEST_SKIP_FILES, a regular expression on the files' names ("config" for
# test-config.R), leaves those files out: the Makefile's test-r runs, under Debian's
# reticulate, only the files that behave differently there (`make reticulate-diff`).
skip_files <- Sys.getenv("KSWITCH_TEST_SKIP_FILES")
test_check("kswitch", filter = if (nzchar(skip_files)) skip_files, invert = TRUE)
