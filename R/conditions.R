# kswitch's conditions. Errors from the Python core carry the class chain of its exception
# hierarchy; those raised in R get theirs here, so every chain ends in its base class
# (kswitch_error, kswitch_warning, kswitch_message) and callers can catch them all.

abort_kswitch <- function(message, class = NULL, ..., call = rlang::caller_env()) {
  rlang::abort(message, class = unique(c(class, "kswitch_error")), ..., call = call)
}

warn_kswitch <- function(message, class = NULL, ...) {
  rlang::warn(message, class = unique(c(class, "kswitch_warning")), ...)
}

# Base R's message(): rlang::inform() costs about a millisecond even when the message is
# muffled, as much as the rest of a switch back.
inform_kswitch <- function(message, class = NULL, ...) {
  fields <- list(message = paste0(format_bullets(message), "\n"), call = NULL, ...)
  message(structure(fields, class = unique(c(class, "kswitch_message", "message", "condition"))))
}

# A value in a message as a user would type it, as the core's errors show it.
quoted <- function(x) paste0('"', x, '"')

# rlang's bullets: names "v", "i", "x", "!" and "*" mark the lines, in cli's symbols.
format_bullets <- function(x) {
  kind <- names(x)
  if (!is.null(kind)) {
    marks <- bullet_marks()
    marked <- kind %in% names(marks)
    x[marked] <- paste(marks[kind[marked]], x[marked])
  }
  paste(x, collapse = "\n")
}

# cli's UTF-8 and ASCII symbols, taken once; cli::is_utf8_output() picks one set per message.
# Reading `cli::symbol` makes the same choice but also detects RStudio, on every switch.
bullet_marks <- function() {
  if (is.null(.kswitch$marks)) {
    .kswitch$marks <- lapply(c(utf8 = TRUE, ascii = FALSE), function(unicode) {
      old <- options(cli.unicode = unicode)
      on.exit(options(old))
      symbol <- cli::symbol
      c(v = symbol$tick, i = symbol$info, x = symbol$cross, "!" = "!", "*" = symbol$bullet)
    })
  }
  .kswitch$marks[[if (cli::is_utf8_output()) "utf8" else "ascii"]]
}

# A kswitch error from the Python core (see errors.py: KswitchError.to_dict()).
abort_python <- function(error, call) {
  abort_kswitch(python_message(error), class = unlist(error$classes),
                argument = error$argument, value = error$value, path = error$path, call = call)
}

# A condition's text from the core: its message, then its [kind, text] bullets.
python_message <- function(report) {
  bullets <- vapply(report$bullets, function(b) b[[2]], "")
  names(bullets) <- vapply(report$bullets, function(b) b[[1]], "")
  c(report$message, bullets)
}

# Warnings the Python core collected during a call (keras_compat.py: a Keras internal kswitch
# reads has moved), each as a classed R warning.
warn_python <- function(reports) {
  for (report in reports) warn_kswitch(python_message(report), class = unlist(report$classes))
}

# Once per fact: an upstream release (keras3, reticulate) no longer has what kswitch reads in
# it. kswitch falls back to what stays safe; the warning says what may not follow.
upstream_changed <- function(package, what, consequence) {
  key <- paste(package, what)
  if (key %in% .kswitch$told_changed) return(invisible())
  .kswitch$told_changed <- c(.kswitch$told_changed, key)
  version <- tryCatch(as.character(utils::packageVersion(package)), error = function(e) "")
  warn_kswitch(c(
    sprintf("%s %s no longer has %s, which kswitch reads.", package, version, what),
    i = consequence,
    i = sprintf("kswitch still switches Keras. Please report this with your %s version.", package)
  ), class = sprintf("kswitch_warning_%s_changed", package))
}
