/// The allowed values of every numeric option, stated once and applied alike to the command line's flags and to the
/// config's keys, so that `--epochs 0` and `epochs: 0` get the same answer in the same words.
module DeepCoro.Config.OptionRules

open System
open System.Globalization

/// One end of an allowed range.
type Bound =
    | Inclusive of float
    | Exclusive of float
    | Unbounded

/// The values an option takes: finite numbers between two bounds, integers only when Integer.
type Rule = { Integer: bool; Low: Bound; High: Bound }

/// Counts above this are typos, and would overflow the arithmetic of step and batch counts.
let maxCount = 1_000_000

/// Epochs, batch sizes, tokens, videos, studies, dimensions, heads, steps, trials, patience, accumulation steps.
let count = { Integer = true; Low = Inclusive 1.0; High = Inclusive(float maxCount) }

/// A count that may be zero (bench warm-up steps).
let countOrZero = { count with Low = Inclusive 0.0 }

/// Learning rates, weight decays, min_delta, focal_gamma.
let nonNegative = { Integer = false; Low = Inclusive 0.0; High = Unbounded }

/// Values that divide or scale: eps, huber_delta, max_grad_norm, schedule periods and factors, restart cycles.
let positive = { Integer = false; Low = Exclusive 0.0; High = Unbounded }

/// A share of a whole: min_lr_factor.
let share = { Integer = false; Low = Inclusive 0.0; High = Inclusive 1.0 }

/// Adam's betas and dropout: 1 would never forget (betas) or drop everything (dropout).
let belowOne = { Integer = false; Low = Inclusive 0.0; High = Exclusive 1.0 }

let private text (v: float) = v.ToString("G", CultureInfo.InvariantCulture)

/// What a rule allows, as the end of "must be ...".
let describe (rule: Rule) =
    let kind = if rule.Integer then "an integer" else "a number"
    match rule.Low, rule.High with
    | Inclusive lo, Inclusive hi -> sprintf "%s from %s to %s" kind (text lo) (text hi)
    | Inclusive lo, Exclusive hi -> sprintf "%s in [%s, %s)" kind (text lo) (text hi)
    | Exclusive lo, Inclusive hi -> sprintf "%s in (%s, %s]" kind (text lo) (text hi)
    | Exclusive lo, Exclusive hi -> sprintf "%s in (%s, %s)" kind (text lo) (text hi)
    | Inclusive lo, Unbounded -> sprintf "%s >= %s" kind (text lo)
    | Exclusive lo, Unbounded -> sprintf "%s > %s" kind (text lo)
    | Unbounded, Inclusive hi -> sprintf "%s <= %s" kind (text hi)
    | Unbounded, Exclusive hi -> sprintf "%s < %s" kind (text hi)
    | Unbounded, Unbounded -> sprintf "%s" kind

let private within (rule: Rule) (v: float) =
    let above =
        match rule.Low with
        | Inclusive lo -> v >= lo
        | Exclusive lo -> v > lo
        | Unbounded -> true
    let below =
        match rule.High with
        | Inclusive hi -> v <= hi
        | Exclusive hi -> v < hi
        | Unbounded -> true
    Double.IsFinite v && (not rule.Integer || Math.Floor v = v) && above && below

/// None when the value is allowed, else "must be <rule>, got <value>" (the caller puts the option's name first).
let violation (rule: Rule) (value: float) =
    if within rule value then None else Some(sprintf "must be %s, got %s" (describe rule) (text value))
