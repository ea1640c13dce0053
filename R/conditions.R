# kswitch's conditions. Errors from the Python core carry the class chain of its exception
# hierarchy; those raised in R get theirs here, so every chain ends in its base class
# (kswitch_error, kswitch_warning, kswitch_message) and callers can catch them all.

abort_kswitch <- function(message, class = NULL, ..., call = rlang::caller_env()) {
  rlang::abort(message, class = unique(c(class, "kswitch_error")), ..., call = call)
}

warn_kswitch <- function(message, class = NULL, ...) {
  rlang::warn(message, class = unique(c(class, "kswitch_warning")), ...)
}

# Plain rlang::inform: the message is formatted only if shown, so a suppressed switch back
# costs well under a millisecond of R time (cli's formatting alone took ~6 ms).
inform_kswitch <- function(message, class = NULL, ...) {
  rlang::inform(message, class = unique(c(class, "kswitch_message")), ...)
}

# A kswitch error from the Python core (see errors.py: KswitchError.to_dict()).
abort_python <- function(error, call) {
  bullets <- vapply(error$bullets, function(b) b[[2]], "")
  names(bullets) <- vapply(error$bullets, function(b) b[[1]], "")
  abort_kswitch(c(error$message, bullets), class = unlist(error$classes),
                argument = error$argument, value = error$value, path = error$path, call = call)
}
