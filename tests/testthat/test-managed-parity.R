# On managed Python kswitch requests, before a switch, what keras3's own use_backend() requests
# at start-up (packages, uv's variables), for every backend, gpu value and OS (keras3's
# get_os() and has_gpu() answered for the OS and device simulated: keras3's code runs as it
# is). What kswitch adds beyond keras3 is named here: Keras itself (keras3 declares it when it
# loads) and openvino's package (keras3 requests none for it).

uv_variables <- c("UV_INDEX", "UV_CONSTRAINT", "UV_OVERRIDE", "XLA_PYTHON_CLIENT_MEM_FRACTION")

# keras3::use_backend(backend, gpu) in a fresh R process, for each case: what it added to
# py_require()'s list, and uv's variables after it.
keras3_requests <- function(cases) {
  in_fresh_r(function(cases, variables) {
    library(keras3)
    base <- c("keras", "pydot", "scipy", "pandas", "Pillow", "ipython")
    lapply(cases, function(case) {
      reticulate::py_require(reticulate::py_require()$packages, action = "remove")
      reticulate::py_require(base)
      Sys.unsetenv(variables)
      ns <- asNamespace("keras3")
      utils::assignInNamespace("get_os", function() case$os, "keras3")
      if (!is.null(case$detected)) {
        utils::assignInNamespace("has_gpu", function() case$detected, "keras3")
      }
      suppressWarnings(keras3::use_backend(case$backend, case$gpu))  # macOS torch + GPU warns
      added <- setdiff(reticulate::py_require()$packages, base)
      env <- Sys.getenv(variables, unset = NA)
      list(packages = added, env = env[!is.na(env)])
    })
  }, args = list(cases = cases, variables = uv_variables),
  env = c(KSWITCH_PYTORCH_INDEX_MIRROR = NA, UV_INDEX = NA, UV_CONSTRAINT = NA,
          UV_OVERRIDE = NA))
}

# An environment variable for the calling scope, where the core sees it: once Python runs,
# Sys.setenv() does not reach os.environ.
local_core_env_var <- function(name, value, .local_envir = parent.frame()) {
  old <- set_env_var(name, value)
  withr::defer(set_env_var(name, old), envir = .local_envir)
}

# kswitch's request for the same case, from a clean slate: its packages and variables.
kswitch_request <- function(case) {
  local_core_env_var("KSWITCH_PYTORCH_INDEX_MIRROR", NA)
  gpu <- if (is.na(case$gpu)) case$detected else case$gpu
  request <- core_child_call("managed_request", case$backend, gpu = gpu, declared = list(),
                             keras3_dir = system.file(package = "keras3"), os_name = case$os)
  env <- character()
  for (entry in request$append) {
    env[[entry[[1]]]] <- paste(c(if (!is.null(env[entry[[1]]]) && !is.na(env[entry[[1]]]))
      env[[entry[[1]]]], entry[[2]]), collapse = " ")
  }
  for (entry in request$set) env[[entry[[1]]]] <- entry[[2]]
  list(packages = unlist(request$packages), env = env)
}

test_that("kswitch requests what keras3's use_backend() requests, every backend, gpu and OS", {
  skip_without_keras3()
  skip_if(utils::packageVersion("keras3") != "1.5.1",
          "kswitch's request table is keras3 1.5.1's (the previous release differs on macOS)")
  skip_if(utils::packageVersion("reticulate") < "1.41", "py_require() needs reticulate >= 1.41")
  cases <- list()
  for (os in c("Linux", "macOS", "Windows")) {
    for (backend in c("tensorflow", "jax", "torch", "numpy", "openvino")) {
      for (gpu in list(NA, FALSE, TRUE)) {
        # keras3's NA is has_gpu() on Linux: both answers simulated there.
        for (detected in if (is.na(gpu) && os == "Linux") list(FALSE, TRUE) else list(FALSE)) {
          cases[[length(cases) + 1]] <- list(os = os, backend = backend, gpu = gpu,
                                             detected = detected)
        }
      }
    }
  }
  theirs <- keras3_requests(cases)
  for (i in seq_along(cases)) {
    case <- cases[[i]]
    ours <- kswitch_request(case)
    label <- sprintf("%s on %s, gpu = %s%s", case$backend, case$os, case$gpu,
                     if (is.na(case$gpu)) sprintf(" (GPU seen: %s)", case$detected) else "")
    extra <- c("keras", if (case$backend == "openvino") "openvino")
    expect_identical(setdiff(ours$packages, extra), theirs[[i]]$packages, label = label)
    expect_identical(intersect(ours$packages, extra), extra, label = label)
    expect_identical(as.list(ours$env[sort(names(ours$env))]),
                     as.list(theirs[[i]]$env[sort(names(theirs[[i]]$env))]), label = label)
  }
  # Linux CPU torch: PyTorch's CPU index, as keras3 (without it uv takes PyPI's CUDA build).
  linux_cpu_torch <- vapply(cases, function(c) {
    c$os == "Linux" && c$backend == "torch" && isFALSE(c$gpu)
  }, NA)
  torch <- theirs[[which(linux_cpu_torch)]]
  expect_equal(unname(torch$env[["UV_INDEX"]]), "https://download.pytorch.org/whl/cpu")
})

test_that("keras3's NA for gpu: kswitch sees a GPU where keras3 does, on this machine", {
  skip_without_keras3()
  seen <- in_fresh_r(function() {
    library(keras3)
    asNamespace("keras3")$has_gpu()
  })
  request <- core_child_call("managed_request", "jax", gpu = NULL, declared = list(),
                             keras3_dir = NULL)
  expect_identical("jax[cuda12]!=0.6.1" %in% unlist(request$packages), seen)
})

test_that("a mirror of PyTorch's index replaces it, for machines that cannot reach it", {
  local_core_env_var("KSWITCH_PYTORCH_INDEX_MIRROR", "file:///srv/pytorch/")
  request <- core_child_call("managed_request", "torch", gpu = FALSE, declared = list(),
                             keras3_dir = NULL, os_name = "Linux")
  # (A list of pairs: from a child Python as JSON, from the session's through reticulate.)
  expect_equal(lapply(request$append, unlist), list(c("UV_INDEX", "file:///srv/pytorch/cpu")))
})
