/// Subgroups: the `--subgroups` definitions and their interval convention, the table against the metrics of each
/// subgroup computed alone at the stated threshold, and `eval` / `report --subgroups` on a tiny trained run with
/// their bad inputs.
module DeepCoro.Tests.SubgroupTests

open System
open System.Collections.Generic
open System.IO
open Expecto
open DeepCoro.Spec
open DeepCoro.Runtime.Evaluation
open DeepCoro.Runtime.Report
open DeepCoro.Tests.TestSupport
open DeepCoro.Tests.TrainingTests

/// The synthetic manifest with two more columns per study: sex (F/M)
/// and age (40..89), the same on every row of a study.
let private addColumns (dir: string) =
    let path = Path.Combine(dir, "manifest.csv")
    let lines = File.ReadAllLines path
    let study (line: string) = line.Split('α').[0]
    let code (id: string) = id |> Seq.sumBy int
    File.WriteAllLines(
        path,
        Array.append
            [| lines.[0] + "αsexαage" |]
            (lines.[1..]
             |> Array.map (fun l -> let c = code (study l) in sprintf "%sα%sα%d" l (if c % 2 = 0 then "F" else "M") (40 + c * 7 % 50)))
    )

[<Tests>]
let tests =
    testList "subgroups" [
        test "columns and edges parse; numeric bins include their lower edge; bad edges are named" {
            let columns = SubgroupColumn.Parse("sex,age:50,65,80,site", "--subgroups")
            Expect.equal (columns |> Seq.map string |> List.ofSeq) [ "sex"; "age:50,65,80"; "site" ] "three columns"
            let age = columns.[1]
            Expect.equal (List.ofSeq age.Bins) [ "< 50"; "[50, 65)"; "[65, 80)"; ">= 80" ] "bins in order"
            Expect.equal (age.GroupOf("65", "s")) "[65, 80)" "65 is in [65, 80)"
            Expect.equal (age.GroupOf("64.99", "s")) "[50, 65)" "below the edge"
            Expect.equal (age.GroupOf("80", "s")) ">= 80" "the last edge opens the last bin"
            Expect.equal (age.GroupOf("", "s")) "missing" "no value"
            Expect.equal (columns.[0].GroupOf("F", "s")) "F" "categorical: the value"
            let message (f: unit -> unit) =
                try
                    f ()
                    failtest "expected an error naming the fault"
                    ""
                with
                | :? ArgumentException as e -> e.Message
                | :? DeepCoro.Spec.DeepCoroUserException as e -> e.Message
            let fails (text: string) (fragment: string) =
                Expect.stringContains (message (fun () -> SubgroupColumn.Parse(text, "--subgroups") |> ignore)) fragment text
            fails "age:65,50" "do not increase strictly"
            fails "age:50,50" "do not increase strictly"
            fails "age:x" "edge 'x' of column 'age' is not a number"
            fails "50,sex" "is a number where a column name was expected"
            fails "sex,50" "is a number where a column name was expected"
            fails "sex,,age" "an empty item"
            fails "sex,sex" "named twice"
            Expect.stringContains
                (message (fun () -> age.GroupOf("old", "s7") |> ignore))
                "study 's7': age = 'old' is not a number"
                "names the study and the cell"
        }
        test "each subgroup's row equals its studies' metrics at the stated threshold; the groups partition the split" {
            let rng = Random 3
            let heads = [| HeadSpec("abnormal", TaskKind.Binary, 1, LossKind.Bce); HeadSpec("ef", TaskKind.Regression, 1, LossKind.Mse) |]
            let studies = [|
                for i in 0..79 ->
                    let y = if i % 3 = 0 then 1.0 else 0.0
                    StudyScores(
                        sprintf "s%d" i,
                        [| y; float i |],
                        [| [| 0.4 * y + 0.6 * rng.NextDouble() |]; [| float i + rng.NextDouble() |] |]
                    )
            |]
            let values = Dictionary<string, string array>()
            for s in studies do
                let i = int (s.Id.Substring 1)
                values.[s.Id] <- [| (if i % 2 = 0 then "F" else "M"); (if i % 10 = 0 then "" else string (30 + i)) |]
            let columns = SubgroupColumn.Parse("sex,age:60,90", "--subgroups")
            let thresholds = Dictionary<string, ThresholdUsed>()
            thresholds.["abnormal"] <- ThresholdUsed(0.45, "given")
            let options = IntervalOptions().With(resamples = 50)
            let table = SubgroupTable.Compute("test", heads, studies, columns, values, thresholds, options, 1)
            let rows = table.Rows |> Seq.filter (fun r -> r.Head = "abnormal") |> List.ofSeq
            Expect.equal
                (rows |> List.map (fun r -> r.Column, r.Group))
                [ "all", "all"; "sex", "F"; "sex", "M"; "age", "< 60"; "age", "[60, 90)"; "age", ">= 90"; "age", "missing" ]
                "groups in order, missing last"
            for column in [ "sex"; "age" ] do
                Expect.equal (rows |> List.filter (fun r -> r.Column = column) |> List.sumBy (fun r -> r.Count)) 80 (column + " partitions")
            let f = rows |> List.find (fun r -> r.Group = "F")
            let members = studies |> Array.filter (fun s -> int (s.Id.Substring 1) % 2 = 0)
            let score = members |> Array.map (fun s -> s.Scores.[0].[0])
            let positive = members |> Array.map (fun s -> s.Labels.[0] > 0.5)
            let operating = OperatingPointSamples(score, positive, 0.45, false).Evaluate()
            let value name = f.Values.[Seq.findIndex ((=) name) f.Names]
            Expect.equal (value "auc") (BinarySamples(score, positive).Evaluate().["auc"]) "AUC of the subgroup alone"
            for name in OperatingPointSamples.ThresholdNames do
                Expect.equal (value name) operating.[name] (name + ": the locked metrics' implementation")
            Expect.isFalse (f.Names |> Seq.contains "best_threshold") "nothing chosen on the subgroup"
            Expect.equal f.Positives (members |> Array.filter (fun s -> s.Labels.[0] > 0.5) |> Array.length) "positives"
            Expect.floatClose Accuracy.veryHigh f.Prevalence (float f.Positives / float f.Count) "prevalence"
            let called = members |> Array.filter (fun s -> s.Scores.[0].[0] >= 0.45)
            let tp = called |> Array.filter (fun s -> s.Labels.[0] > 0.5) |> Array.length
            Expect.floatClose Accuracy.veryHigh (value "sensitivity") (float tp / float f.Positives) "sensitivity at 0.45, by hand"
            // without positives a sensitivity is undefined, not 0
            let negatives = studies |> Array.filter (fun s -> s.Labels.[0] < 0.5) |> Array.take 5
            let only = SubgroupTable.Compute("test", heads, negatives, columns, values, thresholds, options, 1)
            let row = only.Rows |> Seq.find (fun r -> r.Head = "abnormal" && r.Column = "all")
            Expect.isTrue (Double.IsNaN row.Values.[Seq.findIndex ((=) "sensitivity") row.Names]) "no positives: no sensitivity"
            Expect.isFalse (Double.IsNaN row.Values.[Seq.findIndex ((=) "specificity") row.Names]) "but a specificity"
            let locked =
                LockedThresholds(readOnlyDict [ "abnormal", [| LockedThreshold(null, 0.3, "youden", "val") |] :> IReadOnlyList<_> ])
            Expect.equal
                (ThresholdUsed.Of(locked, "abnormal"))
                (ThresholdUsed(0.3, "locked: youden, chosen on val (thresholds.json)"))
                "locked"
            Expect.equal (ThresholdUsed.Of(null, "abnormal")).Value 0.5 "no thresholds.json: 0.5"
            Expect.stringContains (ThresholdUsed.Of(null, "abnormal")).Source "not chosen on data" "and said so"
            // a survival head's C-index needs events: left out when the studies carry none, rather than failing
            let withSurvival = Array.append heads [| HeadSpec("mace", TaskKind.Survival, 1, LossKind.Cox) |]
            let time (s: StudyScores) = float (int (s.Id.Substring 1) % 17 + 1)
            let risk (s: StudyScores) = s.Scores.[0].[0] + 0.1 * time s
            let timed =
                studies
                |> Array.map (fun s -> StudyScores(s.Id, Array.append s.Labels [| time s |], Array.append s.Scores [| [| risk s |] |]))
            let survival = SubgroupTable.Compute("test", withSurvival, timed, columns, values, thresholds, options, 1)
            Expect.isFalse (survival.Rows |> Seq.exists (fun r -> r.Head = "mace")) "no survival rows without events"
            Expect.equal survival.Rows.Count table.Rows.Count "the other heads' rows as before"
            // with events: per subgroup Harrell's C of its studies alone (checked against R in SurvivalTests), events
            let event (s: StudyScores) = if int (s.Id.Substring 1) % 3 = 1 then 0.0 else 1.0
            let withEvents = timed |> Array.map (fun s -> StudyScores(s.Id, s.Labels, s.Scores, Events = [| nan; nan; event s |]))
            let survival = SubgroupTable.Compute("test", withSurvival, withEvents, columns, values, thresholds, options, 1)
            let maceRows = survival.Rows |> Seq.filter (fun r -> r.Head = "mace") |> List.ofSeq
            Expect.equal
                (maceRows |> List.map (fun r -> r.Column, r.Group))
                (rows |> List.map (fun r -> r.Column, r.Group))
                "the same groups"
            let fm = maceRows |> List.find (fun r -> r.Group = "F")
            let fs = withEvents |> Array.filter (fun s -> int (s.Id.Substring 1) % 2 = 0)
            let harrell =
                SurvivalCohort(fs |> Array.map time, fs |> Array.map (fun s -> event s = 1.0), fs |> Array.map risk)
                    .Harrell(ReadOnlySpan(Array.create fs.Length 1.0))
            Expect.equal (List.ofSeq fm.Names) [ "c_index" ] "the C-index alone"
            Expect.equal fm.Values.[0] harrell "Harrell's C of the subgroup's studies"
            Expect.isTrue (fm.Intervals.[0].Lower < harrell && harrell < fm.Intervals.[0].Upper) "with its interval"
            Expect.equal fm.Positives (fs |> Array.filter (fun s -> event s = 1.0) |> Array.length) "its events"
            let text = String.Join("\n", SubgroupReport.Lines survival)
            Expect.stringContains text "mace (survival)" "the survival head's table"
            Expect.stringContains text "Harrell's C-index" "defined"
            let lines = SubgroupReport.Lines table
            Expect.stringContains (String.Join("\n", lines)) "at threshold 0.45 (given)" "the threshold said next to the numbers"
        }
        test "eval and report --subgroups on a tiny run: thresholds.json used when present; bad columns and edges named" {
            let dir, config = dataset 40 1 id
            addColumns dir
            let run = Path.Combine(tempDir (), "run")
            let code, _, err = CliTests.deepcoro [ "train"; "--config"; config; "--output"; run ]
            Expect.equal code 0 err
            let code, out, err = CliTests.deepcoro [ "eval"; "--run"; run; "--split"; "val"; "--subgroups"; "sex,age:60" ]
            Expect.equal code 0 err
            for fragment in
                [ "Split val; subgroups of sex, age:60"; "abnormal (binary)"; "cathEF (regression)"; ">= 60"; "< 60"; "(thresholds.json)" ] do
                Expect.stringContains out fragment fragment
            File.WriteAllText(
                Path.Combine(run, "thresholds.json"),
                """{"abnormal": {"value": 0.3, "rule": "youden", "chosen_on": "val"}}"""
            )
            let code, out, err = CliTests.deepcoro [ "eval"; "--run"; run; "--split"; "val"; "--subgroups"; "sex" ]
            Expect.equal code 0 err
            Expect.stringContains out "at threshold 0.3 (locked: youden, chosen on val (thresholds.json))" "the locked threshold"
            let code, out, err = CliTests.deepcoro [ "report"; "--run"; run; "--subgroups"; "sex,age:50,70" ]
            Expect.equal code 0 err
            let html = File.ReadAllText(Path.Combine(run, "report", "index.html"))
            Expect.stringContains html "<h2>Subgroups (val)</h2>" "a table per split"
            Expect.stringContains html "AUC per subgroup with its bootstrap interval" "a forest plot"
            Expect.isTrue (File.Exists(Path.Combine(run, "report", "subgroups_val_abnormal.png"))) "the plot saved"
            let fails (code: int) (args: string list) (fragments: string list) =
                let actual, _, err = CliTests.deepcoro args
                Expect.equal actual code err
                let line = err.Trim()
                Expect.isFalse (line.Contains '\n') line
                for f in fragments do
                    Expect.stringContains line f f
            fails 1 [ "eval"; "--run"; run; "--subgroups"; "sexx" ] [
                "no column 'sexx' (--subgroups)"
                "its columns:"
                "did you mean 'sex'?"
            ]
            fails 2 [ "eval"; "--run"; run; "--subgroups"; "age:70,50" ] [ "--subgroups age:70,50"; "do not increase strictly" ]
            fails 1 [ "report"; "--run"; run; "--subgroups"; "StudyInstanceUID:5" ] [ "is not a number" ]
        }
    ]
