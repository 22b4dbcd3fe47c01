#!/usr/bin/env Rscript
# Writes tests/DeepCoro.Tests/Fixtures/stats/delong/*.json from R's pROC: per seeded dataset the scores of two
# models on the same studies, the labels, and what pROC computes (auc, ci.auc(method = "delong") of each model,
# roc.test(method = "delong", paired = TRUE): statistic, p.value, conf.int), plus R's pnorm and qnorm at a few
# points. CI has no R: the JSON files are committed and DeepCoro.Tests' CompareTests check against them.
# Run from the repository root: Rscript tools/make_delong_fixtures.R (Debian: r-cran-proc, r-cran-jsonlite).
suppressMessages({
  library(pROC)
  library(jsonlite)
})

out <- file.path("tests", "DeepCoro.Tests", "Fixtures", "stats", "delong")
dir.create(out, recursive = TRUE, showWarnings = FALSE)

write_case <- function(name, a, b, y, level = 0.95, note = "") {
  r1 <- roc(y, a, direction = "<", levels = c(0, 1), quiet = TRUE)
  r2 <- roc(y, b, direction = "<", levels = c(0, 1), quiet = TRUE)
  ci1 <- as.numeric(ci.auc(r1, method = "delong", conf.level = level))
  ci2 <- as.numeric(ci.auc(r2, method = "delong", conf.level = level))
  t <- roc.test(r1, r2, method = "delong", paired = TRUE, conf.level = level)
  case <- list(
    name = name, note = note, level = level, label = as.integer(y), a = a, b = b,
    auc_a = as.numeric(auc(r1)), auc_b = as.numeric(auc(r2)),
    ci_auc_a = c(ci1[1], ci1[3]), ci_auc_b = c(ci2[1], ci2[3]),
    difference = as.numeric(auc(r1)) - as.numeric(auc(r2)),
    z = unname(t$statistic), p = t$p.value, ci = as.numeric(t$conf.int),
    pROC = as.character(packageVersion("pROC"))
  )
  writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out, paste0(name, ".json")))
}

set.seed(19)
y <- rbinom(60, 1, 0.4)
a <- round(y * 0.8 + rnorm(60), 1)
b <- round(0.6 * a + rnorm(60, sd = 0.8), 1)
write_case("ties", a, b, y, note = "scores rounded to one decimal: many ties within and across classes")

set.seed(20)
y <- c(rep(1, 25), rep(0, 200))
a <- y * 1.2 + rnorm(225)
b <- y * 0.9 + 0.5 * a + rnorm(225)
write_case("unequal", a, b, y, note = "25 positives, 200 negatives")

set.seed(21)
y <- c(1, 1, 1, 1, 0, 0, 0, 0, 0)
a <- round(runif(9) + 0.3 * y, 3)
b <- round(runif(9) + 0.2 * y, 3)
write_case("small", a, b, y, level = 0.9, note = "4 positives, 5 negatives, 90 % interval")

set.seed(22)
y <- rbinom(40, 1, 0.5)
a <- ifelse(y == 1, runif(40, 0.6, 1), runif(40, 0, 0.4))
b <- y * 0.5 + runif(40)
write_case("separated", a, b, y, note = "model A separates the classes perfectly (AUC 1, its components constant)")

set.seed(23)
y <- rbinom(30, 1, 0.5)
a <- ifelse(y == 1, runif(30, 0.6, 1), runif(30, 0, 0.4))
b <- a^2
write_case("both_separated", a, b, y, note = "both separate perfectly: difference and error 0, pROC's z = 0")

set.seed(24)
y <- rbinom(500, 1, 0.3)
a <- plogis(y + rnorm(500))
b <- plogis(0.7 * y + 0.5 * qlogis(a) + rnorm(500, sd = 0.7))
write_case("large", a, b, y, level = 0.99, note = "500 studies, probabilities, 99 % interval")

x <- c(-40, -38, -10, -5.5, -3, -1.96, -0.7, -0.5, 0, 1e-20, 0.3, 0.67448975, 0.7, 2.5, 5.66, 6, 9)
p <- c(1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.075, 0.1, 0.3, 0.5, 0.6, 0.925, 0.95, 0.975, 0.99, 0.9999, 1 - 1e-12)
normal <- list(x = x, pnorm = pnorm(x), p = p, qnorm = qnorm(p))
writeLines(toJSON(normal, digits = NA, pretty = TRUE), file.path(out, "normal.json"))
