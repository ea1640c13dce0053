# Every internal of an upstream that kswitch reads (R/reticulate-compat.R,
# R/keras-packages-compat.R, inst/python/kswitch/keras_compat.py), simulated moved: a classed
# warning once, naming it and the release, then the safe fallback. (keras3's .onLoad reads:
# test-keras-packages.R, on real keras3 releases.)

# A session that has told nothing yet: each warning is once per fact.
local_untold <- function(.local_envir = parent.frame()) {
  state <- kswitch:::.kswitch
  old <- state$told_changed
  state$told_changed <- NULL
  withr::defer(state$told_changed <- old, envir = .local_envir)
}

test_that("reticulate without `.globals`: warned once, and its choice asked again each time", {
  local_untold()
  moved <- new.env()
  w <- expect_warning(first <- kswitch:::reticulate_required_python(moved),
                      class = "kswitch_warning_reticulate_changed")
  expect_match(conditionMessage(w), "`.globals`", fixed = TRUE)
  expect_match(conditionMessage(w), as.character(packageVersion("reticulate")), fixed = TRUE)
  expect_no_warning(second <- kswitch:::reticulate_required_python(moved))
  expect_false(identical(first, second))  # the discovery key never matches: ask again
})

test_that("reticulate without `uv_binary(bootstrap_install)`: warned, and no uv named", {
  local_untold()
  moved <- new.env()
  moved$uv_binary <- function() "/usr/bin/uv"  # the argument kswitch passes is gone
  w <- expect_warning(uv <- kswitch:::reticulate_uv(moved),
                      class = "kswitch_warning_reticulate_changed")
  expect_match(conditionMessage(w), "uv_binary", fixed = TRUE)
  expect_null(uv)
})

test_that("reticulate module objects without `pyobj` or `module`: warned, left alone", {
  local_untold()
  proxy <- new.env()
  proxy$pointer <- "a field kswitch does not know"
  w <- expect_warning(state <- kswitch:::proxy_state(proxy),
                      class = "kswitch_warning_reticulate_changed")
  expect_match(conditionMessage(w), "`pyobj` and `module`", fixed = TRUE)
  expect_null(state)
  expect_no_warning(kswitch:::repoint(proxy, "keras", tree = NULL))  # once, and untouched
  expect_identical(ls(proxy), "pointer")
  resolved <- new.env()
  resolved$pyobj <- "module"
  expect_identical(kswitch:::proxy_state(resolved), "resolved")
})

test_that("keras3 and keras without their module bindings: warned, nothing repointed", {
  local_untold()
  for (pkg in names(kswitch:::package_modules)) {
    for (name in names(kswitch:::package_modules[[pkg]])) {
      w <- expect_warning(object <- kswitch:::package_module(pkg, name, ns = new.env()),
                          class = sprintf("kswitch_warning_%s_changed", pkg))
      expect_match(conditionMessage(w), sprintf("`%s`", name), fixed = TRUE)
      expect_null(object)
    }
  }
})

# Keras: the tables are read when a tree is first prepared, so in a new R process.
keras_moved_in_fresh_r <- function(move) {
  in_fresh_r(function(move) {
    library(kswitch)
    kswitch:::core()  # the core loaded: its keras_compat is in sys.modules
    reticulate::py_run_string(move)
    caught <- list()
    out <- withCallingHandlers({
      suppressMessages(use_backend("jax", persist = FALSE))
      keras <- keras_module()
      model <- keras$Sequential(list(keras$Input(shape = list(3L)), keras$layers$Dense(1L)))
      x <- matrix(1, 2, 3)
      before <- model$predict(x, verbose = 0L)
      switched <- tryCatch(suppressMessages(use_backend("numpy", persist = FALSE)),
                           error = function(e) class(e))
      list(switched = switched, backend = backend(),
           same = isTRUE(all.equal(before, model$predict(x, verbose = 0L))))
    }, warning = function(w) {
      caught[[length(caught) + 1]] <<- list(class = class(w), message = conditionMessage(w))
      invokeRestart("muffleWarning")
    })
    c(out, list(warnings = caught))
  }, args = list(move = move))
}

test_that("Keras with its internals moved: an R warning each, and objects still safe", {
  skip_without_backends("jax", "numpy")
  local_test_home()
  out <- keras_moved_in_fresh_r(paste(
    "import kswitch.keras_compat as c",
    "for t in (c.BASES, c.FUNCTIONS):",
    "    t[3] = tuple(e._replace(module='keras.src.kswitch_moved') for e in t[3])", sep = "\n"))
  expect_equal(out$backend, "numpy")
  expect_true(out$same)  # the jax model predicts the same on numpy
  classes <- lapply(out$warnings, `[[`, "class")
  expect_true(all(vapply(classes, function(cl) "kswitch_warning_keras_changed" %in% cl, NA)))
  expect_length(out$warnings, 11)  # 4 bases, 7 functions: each once
  expect_match(out$warnings[[1]]$message, "kswitch_moved.KerasSaveable", fixed = TRUE)
  expect_match(out$warnings[[1]]$message, "keras.layers.Layer", fixed = TRUE)
})

test_that("Keras with an internal and no stand-in: the switch away is refused, nothing changes", {
  skip_without_backends("jax", "numpy")
  local_test_home()
  out <- keras_moved_in_fresh_r(paste(
    "import kswitch.keras_compat as c",
    "b = c.BASES[3]",
    "c.BASES[3] = (b[0]._replace(module='keras.src.kswitch_moved', public=()),) + b[1:]",
    sep = "\n"))
  expect_true("kswitch_error_wrong_backend" %in% out$switched)
  expect_equal(out$backend, "jax")
  expect_true(out$same)
  expect_match(out$warnings[[1]]$message, "cannot be kept on their own backend", fixed = TRUE)
})
