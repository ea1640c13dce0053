# Builds the pkgdown site (destination in _pkgdown.yml: check/site) without the network: the
# machines that build it reach no CRAN. Run by `make site`, against the kswitch installed in
# the library first on R_LIBS.
options(pkgdown.internet = FALSE) # no CRAN/Bioconductor look-ups for the sidebar and NEWS
# downlit links package names in code (`library(keras3)`) to the package's URL: from its
# DESCRIPTION when installed, else from CRAN's package database, downloaded. Offline, the
# database is empty, so a package that is not installed is simply not linked.
utils::assignInNamespace(
  "CRAN_urls", function() data.frame(Package = character(), URL = character()), "downlit"
)
# The articles first, each rendered in a fresh R process (pkgdown's way), from this process
# before any example has started Python in it: Keras sets KERAS_BACKEND in the process's
# environment, which the articles' processes would inherit (and kswitch would report).
pkgdown::init_site()
pkgdown::build_articles(preview = FALSE)
# Then the rest in this process; `lazy` keeps the articles just built.
pkgdown::build_site(install = FALSE, new_process = FALSE, lazy = TRUE, preview = FALSE)
