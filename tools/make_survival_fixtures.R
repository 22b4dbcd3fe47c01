# Oracle fixtures for the survival statistics (docs/survival.md): R's survival package computes the Cox partial
# log-likelihood (Efron, Breslow), the Breslow baseline cumulative hazard of fixed risks, Harrell's C, Uno's C and
# the Kaplan-Meier steps; the time-dependent AUC and the Brier scores are the hand formulas below (no timeROC on
# Debian), with the censoring distribution G taken from survival's own fastkm (the one concordance(timewt = "n/G2")
# uses). Each dataset is also evaluated under integer case weights (a bootstrap's counts), checked here to equal the replicated data.
# Run from the repository root: Rscript tools/make_survival_fixtures.R
library(survival)
library(jsonlite)

out <- file.path("tests", "DeepCoro.Tests", "Fixtures", "stats", "survival")
dir.create(out, recursive = TRUE, showWarnings = FALSE)

# G(s-) with deaths before censorings at a tied time, from survival's fastkm (case weights w).
censoring <- function(t, e, w) {
  fit <- .Call(survival:::Cfastkm1, Surv(t, e), as.double(w), order(-t, e) - 1L)
  list(etime = fit$etime, G = fit$G)
}

# The censoring survival just before s (Gminus) and at s (Gat), deaths before censorings at a tied time.
gfun <- function(t, e, w) {
  times <- sort(unique(t))
  g <- 1
  before <- numeric(length(times))
  after <- numeric(length(times))
  for (k in seq_along(times)) {
    s <- times[k]
    before[k] <- g
    atrisk <- sum(w[t > s | (t == s & e == 0)])
    cens <- sum(w[t == s & e == 0])
    if (atrisk > 0) g <- g * (1 - cens / atrisk)
    after[k] <- g
  }
  list(
    minus = function(s) { k <- sum(times < s); if (k == 0) 1 else after[k] },
    at = function(s) { k <- sum(times <= s); if (k == 0) 1 else after[k] }
  )
}

td_auc <- function(t, e, r, w, h, G) {
  case <- e == 1 & t <= h
  ctrl <- t > h
  if (!any(case & w > 0) || !any(ctrl & w > 0)) return(NA)
  wc <- w[case] / vapply(t[case], G$minus, numeric(1))
  wk <- w[ctrl] / G$at(h)
  rc <- r[case]; rk <- r[ctrl]
  num <- sum(outer(wc, wk) * (outer(rc, rk, ">") + 0.5 * outer(rc, rk, "==")))
  num / (sum(wc) * sum(wk))
}

brier <- function(t, e, S, w, s, G) {
  dead <- e == 1 & t <= s
  alive <- t > s
  terms <- numeric(length(t))
  terms[dead] <- S[dead]^2 / vapply(t[dead], G$minus, numeric(1))
  terms[alive] <- (1 - S[alive])^2 / G$at(s)
  sum(w * terms) / sum(w)
}

# Rows of weight 0 are dropped first: survival 3.5.3's concordance(timewt = "n/G2") returns garbage with zero
# case weights, and leaving a row out is what a zero weight means.
evaluate <- function(d, w) {
  keep <- w > 0
  t <- d$time[keep]; e <- d$event[keep]; r <- d$risk[keep]; S <- d$survival[keep, , drop = FALSE]; w <- w[keep]
  G <- gfun(t, e, w)
  cc <- concordance(Surv(t, e) ~ r, reverse = TRUE, weights = w)
  uno <- concordance(Surv(t, e) ~ r, reverse = TRUE, weights = w, timewt = "n/G2", ymax = d$tau)
  km <- survfit(Surv(t, e) ~ 1, weights = w)
  bs <- sapply(seq_along(d$grid), function(k) brier(t, e, S[, k], w, d$grid[k], G))
  ibs <- sum(diff(d$grid) * (head(bs, -1) + tail(bs, -1)) / 2) / (max(d$grid) - min(d$grid))
  cg <- censoring(t, e, w)
  list(
    concordance = unname(cc$concordance),
    counts = as.list(cc$count[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")]),
    uno_c = unname(uno$concordance),
    td_auc = sapply(d$horizons, function(h) td_auc(t, e, r, w, h, G)),
    brier = bs,
    ibs = ibs,
    censoring = list(time = cg$etime, G = cg$G),
    km = list(time = km$time, n_risk = km$n.risk, n_event = km$n.event, n_censor = km$n.censor, surv = km$surv)
  )
}

make <- function(name, time, event, risk, seed) {
  set.seed(seed)
  n <- length(time)
  d <- list(time = time, event = event, risk = risk)
  d$tau <- unname(quantile(time, 0.8, type = 1))
  d$horizons <- unname(quantile(time[event == 1], c(0.25, 0.5, 0.75), type = 1))
  d$grid <- sort(unique(unname(quantile(time, seq(0.1, 0.8, by = 0.1), type = 1))))
  # Fixed predicted survival curves (a Cox form with an arbitrary baseline) for the Brier scores.
  d$survival <- outer(exp(risk), d$grid / median(time), function(a, b) exp(-a * b))
  w <- tabulate(sample(n, n, replace = TRUE), n)
  efron <- coxph(Surv(time, event) ~ offset(risk), ties = "efron")$loglik
  breslow <- coxph(Surv(time, event) ~ offset(risk), ties = "breslow")$loglik
  # The Breslow baseline cumulative hazard of the fixed risks (survfit at risk 0 of a Breslow-ties fit; an Efron fit
  # would give the Efron-adjusted hazard) and each patient's S(t | r) = exp(-H0(t) exp(r)) at the grid.
  cox <- coxph(Surv(time, event) ~ offset(risk), ties = "breslow")
  base <- survfit(cox, newdata = data.frame(risk = 0))
  H0 <- stepfun(base$time, c(0, base$cumhaz))
  cox_surv <- exp(-outer(exp(risk), H0(d$grid)))
  # survfit's own curve per patient (one newdata row per call: survival 3.5.3 recycles wrongly with several rows and
  # an offset) agrees; to 1e-3 only, as its per-row path loses digits with risks of standard deviation 15
  by_survfit <- t(sapply(risk, function(r) summary(survfit(cox, newdata = data.frame(risk = r)), times = d$grid, extend = TRUE)$surv))
  stopifnot(max(abs(by_survfit - cox_surv)) < 1e-3)
  Gp <- gfun(time, event, rep(1, n))
  cox_brier <- sapply(seq_along(d$grid), function(k) brier(time, event, cox_surv[, k], rep(1, n), d$grid[k], Gp))
  cox_ibs <- sum(diff(d$grid) * (head(cox_brier, -1) + tail(cox_brier, -1)) / 2) / (max(d$grid) - min(d$grid))
  # Calibration at the last grid time H: risk tertiles (numpy's interpolation = R's type 7), per group the mean of
  # S(H | r) and the Kaplan-Meier survival at H (NA when the group's follow-up ends before H and its curve is not 0)
  H <- max(d$grid)
  cuts <- unname(quantile(risk, c(1, 2) / 3, type = 7))
  group <- ifelse(risk <= cuts[1], 1, ifelse(risk <= cuts[2], 2, 3))
  calibration <- lapply(1:3, function(g) {
    m <- group == g
    km <- survfit(Surv(time[m], event[m]) ~ 1)
    observed <- if (max(time[m]) < H && tail(km$surv, 1) > 0) NA else summary(km, times = H, extend = TRUE)$surv
    list(predicted = mean(cox_surv[m, length(d$grid)]), observed = observed)
  })
  plain <- evaluate(d, rep(1, n))
  weighted <- evaluate(d, w)
  # Case weights mean replication: the weighted figures equal those of the replicated data.
  idx <- rep(seq_len(n), w)
  rep_d <- list(time = time[idx], event = event[idx], risk = risk[idx], tau = d$tau, horizons = d$horizons,
                grid = d$grid, survival = d$survival[idx, , drop = FALSE])
  replicated <- evaluate(rep_d, rep(1, length(idx)))
  stopifnot(isTRUE(all.equal(weighted$concordance, replicated$concordance)),
            isTRUE(all.equal(weighted$uno_c, replicated$uno_c)),
            isTRUE(all.equal(weighted$ibs, replicated$ibs)),
            isTRUE(all.equal(weighted$km$surv, replicated$km$surv)))
  # Uno's C by its formula: pairs (i event, T_i <= tau, j later or censored at T_i) weighted 1 / G(T_i-)^2.
  G <- gfun(time, event, rep(1, n))
  num <- 0; den <- 0
  for (i in which(event == 1 & time <= d$tau)) {
    j <- time > time[i] | (time == time[i] & event == 0)
    wi <- 1 / G$minus(time[i])^2
    den <- den + wi * sum(j)
    num <- num + wi * sum((risk[i] > risk[j]) + 0.5 * (risk[i] == risk[j]))
  }
  stopifnot(isTRUE(all.equal(num / den, plain$uno_c)))
  fixture <- list(
    name = name, time = time, event = event, risk = risk, weights = w, tau = d$tau, horizons = d$horizons,
    grid = d$grid, survival = d$survival,
    loglik_efron = efron, loglik_breslow = breslow,
    baseline = list(time = base$time, cumhaz = base$cumhaz, survival = cox_surv, ibs = cox_ibs,
                    calibration = list(cuts = cuts, horizon = H, groups = calibration)),
    plain = plain, weighted = weighted,
    r_version = R.version.string, survival_version = as.character(packageVersion("survival"))
  )
  write(toJSON(fixture, digits = NA, auto_unbox = TRUE, pretty = FALSE), file.path(out, paste0(name, ".json")))
}

set.seed(20)
n <- 50
make("tied_times", sample(1:12, n, replace = TRUE), rbinom(n, 1, 0.55), rnorm(n), 1)
n <- 40
make("tied_scores", round(rexp(n, 0.1), 1), rbinom(n, 1, 0.6), round(rnorm(n)) / 2, 2)
n <- 80
make("heavy_censoring", round(rexp(n, 0.02)), rbinom(n, 1, 0.15), rnorm(n, sd = 0.7), 3)
make("small", c(1, 2, 2, 3, 3, 3, 5, 6, 8), c(1, 1, 0, 1, 1, 0, 0, 1, 0), c(0.5, 0.2, 0.2, 1, -1, 0.3, 0.3, 0, 0.1), 4)
n <- 30
make("wide_scores", round(rexp(n, 0.2), 2), rbinom(n, 1, 0.7), rnorm(n, sd = 15), 5)
