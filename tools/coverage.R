# `make coverage`: R coverage of kswitch (covr, over the testthat suite under CRAN's
# reticulate with keras3 and keras; child R processes load the instrumented package too) and
# Python coverage of the core inst/python/kswitch (coverage.py, over tests/python). Prints
# one line each and fails if an exported function is never run. Reports in check/coverage/.
#   Rscript tools/coverage.R PYTHON   (the r-keras env's Python, with coverage installed)
python <- commandArgs(trailingOnly = TRUE)[1]
out <- file.path("check", "coverage")
dir.create(out, recursive = TRUE, showWarnings = FALSE)

r_cov <- covr::package_coverage(".", type = "tests", quiet = TRUE)
saveRDS(r_cov, file.path(out, "r-coverage.rds"))
by_function <- covr::tally_coverage(r_cov, by = "line")
by_function <- stats::aggregate(value ~ functions, by_function, function(v) sum(v > 0))
exports <- getNamespaceExports("kswitch")
methods <- sub("^S3method\\((.*),(.*)\\)$", "\\1.\\2",
               grep("^S3method\\(", readLines("NAMESPACE"), value = TRUE))
public <- sort(unique(c(exports, gsub(" ", "", methods))))
run <- by_function$functions[by_function$value > 0]
# covr names a function assigned to two names (`k_backend <- backend`) by one of them.
ns <- asNamespace("kswitch")
same_as_run <- function(name) {
  any(vapply(intersect(run, names(ns)), function(r) identical(ns[[name]], ns[[r]]), NA))
}
unexercised <- Filter(function(name) !(name %in% run) && !same_as_run(name),
                      setdiff(public, run))
r_total <- covr::percent_coverage(r_cov)

py_dir <- normalizePath(out)
run_python <- function(...) {
  status <- system2(python, c("-m", "coverage", ...), stdout = file.path(py_dir, "python.log"))
  if (status != 0) stop("coverage.py failed: see ", file.path(py_dir, "python.log"))
}
withr::with_dir("tests/python", {
  withr::with_envvar(c(COVERAGE_FILE = file.path(py_dir, ".coverage")), {
    run_python("run", "--source=../../inst/python/kswitch", "-m", "pytest", "-q",
               "-p", "no:cacheprovider", ".")
    run_python("json", "-o", file.path(py_dir, "python-coverage.json"))
  })
})
py_total <- jsonlite::read_json(file.path(out, "python-coverage.json"))$totals$percent_covered

cat(sprintf("R coverage (covr): %.1f%%\n", r_total))
cat(sprintf("Python core coverage (coverage.py): %.1f%%\n", py_total))
if (length(unexercised)) {
  cat("Exported functions no test runs:", paste(unexercised, collapse = ", "), "\n")
  quit(status = 1)
}
cat(sprintf("All %d exported functions and methods are exercised.\n", length(public)))
