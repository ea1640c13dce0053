# Argument shape checks: R types are R's business. What values are valid (backend names,
# float types, data formats, epsilon's range) is decided once, in the Python core.

abort_argument <- function(arg, x, must, call) {
  abort_kswitch(
    c(sprintf("`%s` must be %s.", arg, must), x = sprintf("You supplied %s.", describe(x))),
    class = "kswitch_error_invalid_argument", argument = arg, call = call
  )
}

describe <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.atomic(x) && length(x) == 1) {
    return(if (is.na(x)) sprintf("NA (%s)", typeof(x)) else sprintf("%s %s", typeof(x),
                                                                  deparse(x)))
  }
  sprintf("a %s of length %d", class(x)[[1]], length(x))
}

check_string <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.character(x) && length(x) == 1 && !is.na(x) && nzchar(x))) {
    abort_argument(arg, x, "a single non-empty string", call)
  }
  invisible(x)
}

check_strings <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.character(x) && length(x) >= 1 && !anyNA(x) && all(nzchar(x)))) {
    abort_argument(arg, x, "a character vector of non-empty strings, without NA", call)
  }
  invisible(x)
}

check_flag <- function(x, allow_na = FALSE, arg = rlang::caller_arg(x),
                       call = rlang::caller_env()) {
  if (!(is.logical(x) && length(x) == 1 && (allow_na || !is.na(x)))) {
    abort_argument(arg, x, if (allow_na) "`TRUE`, `FALSE` or `NA`" else "`TRUE` or `FALSE`",
                   call)
  }
  invisible(x)
}

check_number <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.numeric(x) && length(x) == 1 && !is.na(x))) {
    abort_argument(arg, x, "a single number", call)
  }
  invisible(x)
}

check_function <- function(x, must = "a function", arg = rlang::caller_arg(x),
                           call = rlang::caller_env()) {
  if (!is.function(x)) abort_argument(arg, x, must, call)
  invisible(x)
}

check_whole <- function(x, min = -Inf, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!(is.numeric(x) && length(x) == 1 && is.finite(x) && x == round(x) && x >= min)) {
    must <- if (is.finite(min)) sprintf("a whole number, at least %s", format(min)) else
      "a whole number"
    abort_argument(arg, x, must, call)
  }
  invisible(x)
}

# One of `choices`; the whole vector (an argument's default) means the first, as match.arg().
check_choice <- function(x, choices, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (identical(x, choices)) return(choices[[1]])
  if (!(is.character(x) && length(x) == 1 && !is.na(x) && x %in% choices)) {
    abort_argument(arg, x, sprintf("one of %s", paste0('"', choices, '"', collapse = ", ")),
                   call)
  }
  x
}

check_environment <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (!is.environment(x)) abort_argument(arg, x, "an environment", call)
  invisible(x)
}
