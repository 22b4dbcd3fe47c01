/// The shared YAML reader (DeepCoro.Yaml) on its own: positions, repeated and unknown keys, typed reads under
/// each wording option. The three config readers' messages are covered by their own tests.
module DeepCoro.Tests.YamlReaderTests

open System.Collections.Generic
open Expecto
open YamlDotNet.RepresentationModel
open DeepCoro.Yaml

let private read (wording: YamlWording) (text: string) =
    let r = YamlDocumentReader("f.yaml", wording)
    let root = r.Load(text, "empty")
    r, (if isNull root then null else r.Map(root, "the file"))

let private errors (r: YamlDocumentReader) = r.Errors |> Seq.map string |> List.ofSeq

let private value (m: YamlMap) key = (m.Find key).Value.Value

[<Tests>]
let yamlReaderTests =
    testList "shared YAML reader" [
        test "empty text and invalid YAML are located errors" {
            let r = YamlDocumentReader("f.yaml")
            Expect.isNull (r.Load("", "the file is empty")) "no root"
            Expect.isNull (r.Load("a: [1,\n", "the file is empty")) "no root"
            Expect.equal (string r.Errors.[0]) "f.yaml:1:1: the file is empty" "empty"
            Expect.stringStarts (string r.Errors.[1]) "f.yaml:" "YAML error located"
            Expect.stringContains (string r.Errors.[1]) ": not valid YAML: " "YAML error named"
        }
        test "known keys: unknown ones are reported with the closest and left out" {
            let r, m = read (YamlWording()) "alpha: 1\nbeta: 2\nalhpa: 3\n"
            let kept = m.Known([ "alpha"; "beta" ])
            Expect.equal [ for e in kept -> e.Key, (e.Value :?> YamlScalarNode).Value ] [ "alpha", "1"; "beta", "2" ] "kept"
            Expect.equal (errors r) [ "f.yaml:3:1: unknown key 'alhpa' in the file: did you mean 'alpha'?" ] "reported"
            Expect.equal m.Entries.Count 3 "Entries keeps every entry"
            let r2, m2 = read (YamlWording()) "a:\n  x: 1\n  x: 2\n"
            let inner = r2.Map(value m2 "a", "a")
            Expect.equal
                (errors r2)
                [ "f.yaml:3:3: a: key 'x' is repeated (first on line 2); give each key once" ]
                "a repeated key is an error, located"
            Expect.equal [ for e in inner.Entries -> e.Key ] [ "x" ] "the first is kept"
            let r3 = YamlDocumentReader("f.yaml", RepeatedKeys = RepeatedKeyRule.LastWins)
            let m3 = r3.Map(r3.Load("x: 1\ny: 2\nx: 3\n", "empty"), "the file")
            Expect.equal
                [ for e in m3.Entries -> e.Key, (e.Value :?> YamlScalarNode).Value ]
                [ "x", "3"; "y", "2" ]
                "PyYAML's rule: the last value counts"
            Expect.isEmpty r3.Errors "no error"
            Expect.equal
                (r3.Warnings |> Seq.map string |> List.ofSeq)
                [ "f.yaml:3:1: warning: the file: key 'x' is repeated (first on line 1): the last value counts, as PyYAML reads the file" ]
                "one warning naming both lines"
        }
        test "typed reads point at the value and use the format's wording" {
            let wording = YamlWording(PlainScalarsOnly = true, Expected = fun what expected _ -> sprintf "%s wants %s" what expected)
            let r, m = read wording "n: 12\nq: \"12\"\nx: 1e-3\nb: True\nc: Max\nl: [1]\n"
            Expect.equal (r.Int(value m "n", "n") |> Option.ofNullable) (Some 12) "int"
            Expect.isFalse (r.Int(value m "q", "q").HasValue) "quoted is not a number here"
            Expect.equal (r.Float(value m "x", "x") |> Option.ofNullable) (Some 1e-3) "float"
            Expect.equal (r.Bool(value m "b", "b") |> Option.ofNullable) (Some true) "bool, any case"
            Expect.isFalse (fst (r.TryChoice(value m "c", "c", [ KeyValuePair("min", 0); KeyValuePair("max", 1) ]))) "case-sensitive choice"
            Expect.isNull (r.String(value m "l", "l")) "a list is no string"
            Expect.equal
                (errors r)
                [
                    "f.yaml:2:4: q wants an integer"
                    "f.yaml:5:4: c: 'Max' is not one of min, max; did you mean 'max'?"
                    "f.yaml:6:4: l wants a string"
                ]
                "messages"
        }
        test "options: quoted numbers, case-insensitive choices, names that cannot be empty" {
            let r, m =
                read (YamlWording(ChoicesIgnoreCase = true, EmptyStringIsMissing = true, StringName = "a name")) "q: \"7\"\nc: Max\ne: ''\n"
            Expect.equal (r.Int(value m "q", "q") |> Option.ofNullable) (Some 7) "quoted int"
            Expect.equal (r.TryChoice(value m "c", "c", [ KeyValuePair("min", 0); KeyValuePair("max", 1) ])) (true, 1) "choice ignores case"
            Expect.isNull (r.String(value m "e", "e")) "empty name"
            Expect.equal (errors r) [ "f.yaml:3:4: e: expected a name" ] "message"
        }
        test "a non-map and a non-name key are reported where they stand" {
            let r, _ = read (YamlWording()) "- 1\n"
            let r2, m2 = read (YamlWording()) "[a]: 1\nb: 2\n"
            Expect.equal (errors r) [ "f.yaml:1:1: the file: expected a map" ] "not a map"
            Expect.equal (errors r2) [ "f.yaml:1:1: the file: a key must be a plain name" ] "list key"
            Expect.equal [ for e in m2.Entries -> e.Key ] [ "b" ] "the other entries stay"
        }
        test "warnings print as such" {
            let r, m = read (YamlWording()) "a: 1\n"
            r.Warn(value m "a", "ignored")
            Expect.equal (r.Warnings |> Seq.map string |> List.ofSeq) [ "f.yaml:1:4: warning: ignored" ] "warning"
        }
    ]
