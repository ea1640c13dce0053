# Suite 5: the bad-argument table (tests/testthat/helper-bad-arguments.R), run by its test
# file against the installed kswitch. Prints one JSON line: the counts come from the table.
started <- Sys.time()
test_dir <- file.path("tests", "testthat")
sys.source(file.path(test_dir, "helper-bad-arguments.R"), envir = table <- new.env())
cases <- table$bad_argument_cases()
# testthat makes _snaps for each file it runs and removes it only after a whole-directory
# run: remove what this one-file run left in the tree.
snaps <- file.path(test_dir, "_snaps")
had_snaps <- dir.exists(snaps)
results <- as.data.frame(testthat::test_file(
  file.path(test_dir, "test-checks.R"), reporter = "silent", package = "kswitch",
  load_package = "installed"))
if (!had_snaps && length(list.files(snaps, all.files = TRUE, no.. = TRUE)) == 0) {
  unlink(snaps, recursive = TRUE)
}
failed <- sum(results$failed) + sum(results$error) + sum(results$skipped)
functions <- vapply(table$argument_table, function(row) row$fn, "")
arguments <- sum(vapply(table$argument_table, function(row) length(row$bad), 0L))
cat(jsonlite::toJSON(list(
  suite = "bad_arguments", cases = length(cases), functions = length(functions),
  arguments = arguments, expectations = sum(results$nb), failed = failed,
  per_function = as.list(table(factor(vapply(cases, function(c) c$fn, ""), levels = functions))),
  seconds = round(as.numeric(Sys.time() - started, units = "secs"), 1), ok = failed == 0
), auto_unbox = TRUE), "\n")
