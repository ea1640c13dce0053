# An empty CRAN for an offline R CMD check --as-cran (make test-r-without-keras): the checks
# that read CRAN's package index and database (cyclic dependencies; whether a suggested
# package missing here is orphaned there) read these instead of the network. No package is
# listed, so none is orphaned, and the check goes on; it cannot say more without CRAN.
#   Rscript tools/offline-cran.R DIR   writes DIR/cran and DIR/Rprofile (for R_PROFILE: R's
#   site profile, which names CRAN's address on Debian)
dir <- normalizePath(commandArgs(trailingOnly = TRUE)[[1]], mustWork = TRUE)
cran <- file.path(dir, "cran")
dir.create(file.path(cran, "src", "contrib"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(cran, "web", "packages"), recursive = TRUE, showWarnings = FALSE)
invisible(file.create(file.path(cran, "src", "contrib", "PACKAGES")))
saveRDS(matrix(character(), 0, 2, dimnames = list(NULL, c("Package", "Maintainer"))),
        file.path(cran, "web", "packages", "packages.rds"))
writeLines(sprintf('options(repos = c(CRAN = "file://%s"))', cran), file.path(dir, "Rprofile"))
