# `make cran-packages`: CRAN's reticulate and the R Keras packages (keras3; keras 2.x, the
# tutorials') into their own library, from CRAN or the CRAN-like repository in CRAN_REPO;
# and the previous keras3 release, from the repository's Archive, into a library of its own.
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

previous <- Sys.getenv("KERAS3_PREVIOUS")
previous_lib <- Sys.getenv("KERAS3_PREVIOUS_LIB")
if (nzchar(previous) && !"keras3" %in% rownames(installed.packages(lib.loc = previous_lib))) {
  url <- sprintf("%s/src/contrib/Archive/keras3/keras3_%s.tar.gz", repo, previous)
  message("Installing keras3 ", previous, " from ", url, " into ", previous_lib)
  dir.create(previous_lib, showWarnings = FALSE, recursive = TRUE)
  tarball <- file.path(tempdir(), basename(url))
  utils::download.file(url, tarball, quiet = TRUE)
  install.packages(tarball, lib = previous_lib, repos = NULL, type = "source", quiet = TRUE)
}
if (nzchar(previous)) {
  stopifnot(packageVersion("keras3", lib.loc = previous_lib) == previous)
  message("keras3 ", previous, " in ", previous_lib)
}
