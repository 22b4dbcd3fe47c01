/// Loads a page in headless Chromium through the DevTools protocol and reports what the browser saw: console
/// errors and uncaught exceptions, every request, each image's decoded width; and saves a full-page screenshot.
module DeepCoro.Tests.HeadlessBrowser

open System
open System.Diagnostics
open System.IO
open System.Net.Http
open System.Net.WebSockets
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open System.Threading
open DeepCoro.Tests.TestSupport

type PageReport = {
    ConsoleErrors: string list
    Requests: string list
    /// (alt text, complete, naturalWidth) per <img>
    Images: (string * bool * int) list
}

let private onPath (name: string) =
    (Environment.GetEnvironmentVariable "PATH").Split(':', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun dir -> Path.Combine(dir, name))
    |> Array.tryFind File.Exists

let private find () = [ "chromium"; "chromium-browser"; "google-chrome" ] |> List.tryPick onPath

/// The browser, installed by tests/browser/setup.sh when missing (CI runs it first); Error with the reason when none
/// can be had.
let browser =
    lazy
        (match find () with
         | Some b -> Ok b
         | None ->
             let setup = Path.Combine(repoRoot, "tests", "browser", "setup.sh")
             let p = Process.Start(ProcessStartInfo("bash", setup, RedirectStandardOutput = true, RedirectStandardError = true))
             let err = p.StandardError.ReadToEnd()
             p.WaitForExit()
             match find () with
             | Some b -> Ok b
             | None -> Error(sprintf "no chromium and it could not be installed (tests/browser/setup.sh: %s)" (err.Trim())))

type private DevTools(socket: ClientWebSocket) =
    let mutable next = 0
    let events = ResizeArray<JsonNode>()
    let timeout = TimeSpan.FromSeconds 60.0

    member _.Events = events

    member _.Receive() : JsonNode =
        use cancel = new CancellationTokenSource(timeout)
        let buffer = Array.zeroCreate<byte>(1 <<< 16)
        use message = new MemoryStream()
        let rec read () =
            let r = socket.ReceiveAsync(ArraySegment buffer, cancel.Token).Result
            message.Write(buffer, 0, r.Count)
            if not r.EndOfMessage then
                read ()
        read ()
        JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))

    /// Sends a command and waits for its answer, keeping the events that arrive meanwhile.
    member this.Call(method: string, ?parameters: JsonObject) : JsonNode =
        next <- next + 1
        let id = next
        let command = JsonObject()
        command.["id"] <- id
        command.["method"] <- method
        command.["params"] <- defaultArg parameters (JsonObject())
        let bytes = Encoding.UTF8.GetBytes(command.ToJsonString())
        socket.SendAsync(ArraySegment bytes, WebSocketMessageType.Text, true, CancellationToken.None).Wait()
        let rec answer () =
            let m = this.Receive()
            match m.["id"] with
            | null ->
                events.Add m
                answer ()
            | i when i.GetValue<int>() = id ->
                match m.["error"] with
                | null -> m.["result"]
                | e -> failwithf "DevTools %s failed: %s" method (e.ToJsonString())
            | _ -> answer ()
        answer ()

    /// Waits for an event by name, keeping the others.
    member this.WaitFor(name: string) =
        let seen () = events |> Seq.exists (fun e -> string e.["method"] = name)
        while not (seen ()) do
            events.Add(this.Receive())

/// Opens `file` in the browser at `executable`, waits for its load event, and saves a screenshot of the whole page.
let load (executable: string) (file: string) (screenshot: string) =
    let profile = tempDir ()
    let info = ProcessStartInfo(executable, RedirectStandardError = true, RedirectStandardOutput = true)
    for a in
        [
            "--headless"
            "--no-sandbox"
            "--disable-gpu"
            "--hide-scrollbars"
            "--no-first-run"
            "--remote-debugging-port=0"
            sprintf "--user-data-dir=%s" profile
            "--window-size=1400,1000"
            "about:blank"
        ] do
        info.ArgumentList.Add a
    use chrome = Process.Start info
    try
        // Chromium announces its DevTools endpoint on stderr
        let rec endpoint () =
            match chrome.StandardError.ReadLine() with
            | null -> failwith "chromium exited before opening DevTools"
            | line when line.Contains "DevTools listening on ws://" -> Uri(line.Substring(line.IndexOf "ws://"))
            | _ -> endpoint ()
        let browserUri = endpoint ()
        // drain the rest of stderr so the browser never blocks on a full pipe
        Tasks.Task.Run(fun () -> chrome.StandardError.ReadToEnd() |> ignore) |> ignore
        use http = new HttpClient()
        let targets = JsonNode.Parse(http.GetStringAsync(sprintf "http://%s:%d/json/list" browserUri.Host browserUri.Port).Result).AsArray()
        let page = targets |> Seq.find (fun t -> string t.["type"] = "page")
        use socket = new ClientWebSocket()
        socket.Options.KeepAliveInterval <- TimeSpan.Zero
        socket.ConnectAsync(Uri(string page.["webSocketDebuggerUrl"]), CancellationToken.None).Wait()
        let tools = DevTools(socket)
        for domain in [ "Runtime.enable"; "Log.enable"; "Network.enable"; "Page.enable" ] do
            tools.Call domain |> ignore
        tools.Call("Page.navigate", JsonObject(dict [ "url", JsonValue.Create(Uri(Path.GetFullPath file).AbsoluteUri) :> JsonNode ]))
        |> ignore
        tools.WaitFor "Page.loadEventFired"
        let images =
            let expression = "JSON.stringify(Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth]))"
            let result =
                tools.Call(
                    "Runtime.evaluate",
                    JsonObject(dict [ "expression", JsonValue.Create expression :> JsonNode; "returnByValue", JsonValue.Create true ])
                )
            JsonNode.Parse(string result.["result"].["value"]).AsArray()
            |> Seq.map (fun i -> string i.[0], i.[1].GetValue<bool>(), i.[2].GetValue<int>())
            |> List.ofSeq
        let size = tools.Call "Page.getLayoutMetrics"
        let width, height = size.["cssContentSize"].["width"].GetValue<float>(), size.["cssContentSize"].["height"].GetValue<float>()
        let clip =
            JsonObject(
                dict [
                    "x", JsonValue.Create 0.0 :> JsonNode
                    "y", JsonValue.Create 0.0
                    "width", JsonValue.Create width
                    "height", JsonValue.Create height
                    "scale", JsonValue.Create 1.0
                ]
            )
        let shot =
            tools.Call(
                "Page.captureScreenshot",
                JsonObject(
                    dict [ "format", JsonValue.Create "png" :> JsonNode; "captureBeyondViewport", JsonValue.Create true; "clip", clip ]
                )
            )
        File.WriteAllBytes(screenshot, Convert.FromBase64String(string shot.["data"]))
        let errors = [
            for e in tools.Events do
                match string e.["method"] with
                | "Runtime.consoleAPICalled" when string e.["params"].["type"] = "error" || string e.["params"].["type"] = "assert" ->
                    yield "console: " + e.["params"].["args"].ToJsonString()
                | "Runtime.exceptionThrown" -> yield "exception: " + e.["params"].["exceptionDetails"].ToJsonString()
                | "Log.entryAdded" when string e.["params"].["entry"].["level"] = "error" ->
                    yield "log: " + string e.["params"].["entry"].["text"]
                | _ -> ()
        ]
        let requests = [
            for e in tools.Events do
                if string e.["method"] = "Network.requestWillBeSent" then
                    yield string e.["params"].["request"].["url"]
        ]
        { ConsoleErrors = errors; Requests = requests; Images = images }
    finally
        if not chrome.HasExited then
            chrome.Kill true
        chrome.WaitForExit()
