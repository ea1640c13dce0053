# `make cran-packages`: CRAN's reticulate and the R Keras packages (keras3; keras 2.x, the
# tutorials') into their own library, from CRAN or the CRAN-like repository in CRAN_REPO.
# Already installed: nothing to do.
lib <- Sys.getenv("CRAN_LIB")
repo <- Sys.getenv("CRAN_REPO", "https://cloud.r-project.org")
want <- c("reticulate", "keras3", "keras")
missing <- setdiff(want, rownames(installed.packages(lib.loc = lib)))
if (length(missing)) {
  message("Installing ", paste(missing, collapse = ", "), " from ", repo, " into ", lib)
  install.packages(missing, lib = lib, repos = repo, quiet = TRUE)
}
versions <- vapply(want, function(p) format(packageVersion(p, lib.loc = lib)), "")
stopifnot(all(want %in% rownames(installed.packages(lib.loc = lib))))
message(paste(names(versions), versions, collapse = ", "), " in ", lib)
