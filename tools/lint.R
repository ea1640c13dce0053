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
if (length(lints) > 0L) {
  print(lints)
  cat(sprintf("lintr: %d lints in %d files\n", length(lints), length(files)))
  quit(status = 1L)
}
cat(sprintf("lintr: 0 lints in %d files\n", length(files)))
