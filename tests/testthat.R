library(testthat)
library(kswitch)

test_check("kswitch")
