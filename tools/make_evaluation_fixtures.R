# Thresholds from R's pROC for tools/make_evaluation_fixtures.py: reads one dataset CSV (columns y, p), writes a CSV
# with one row per rule (rule, threshold as pROC reports it, a midpoint between adjacent scores or +-Inf).
# Usage: Rscript make_evaluation_fixtures.R IN.csv OUT.csv
suppressMessages(library(pROC))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
r <- roc(d$y, d$p, direction = "<", levels = c(0, 1), quiet = TRUE)
all <- coords(r, "all", ret = c("threshold", "tp", "fp"), transpose = FALSE)
pos <- sum(d$y == 1)
neg <- sum(d$y == 0)
# ties between operating points: the highest threshold, as the product states; counts keep the comparison exact
highest <- function(value) max(all$threshold[value == max(value)])
youden <- coords(r, "best", best.method = "youden", ret = "threshold", transpose = FALSE)$threshold
rules <- data.frame(
  rule = c("youden", "gmean", "sensitivity:0.9", "sensitivity:0.8", "specificity:0.9", "specificity:0.8"),
  threshold = c(
    max(youden),
    highest(all$tp * (neg - all$fp)),
    max(all$threshold[all$tp / pos >= 0.9]),
    max(all$threshold[all$tp / pos >= 0.8]),
    min(all$threshold[1 - all$fp / neg >= 0.9]),
    min(all$threshold[1 - all$fp / neg >= 0.8])
  )
)
write.csv(rules, args[2], row.names = FALSE)
