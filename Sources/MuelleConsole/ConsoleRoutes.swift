import Foundation
import Hummingbird
import MuelleCore
import MuelleEngine
import MuelleLedger

/// The web console's routes, under `/console`, on whatever Hummingbird router serves muelle: the page,
/// reports, label downloads, and the three forms (Replay, Dismiss, Close), each a POST with a form token.
///
/// Every route needs the console token (`ConsoleAccess`); actions answer with a redirect to the page,
/// which says what happened, so reloading never repeats one.
public struct ConsoleRoutes: Sendable {
    let runner: Runner
    let access: ConsoleAccess
    /// True when the console runs inside `muelle run`: a replayed file goes back to its inbox for the
    /// running watcher rather than being processed by the request.
    let handOverReplays: Bool

    public init(runner: Runner, token: String, handOverReplays: Bool = false) {
        self.runner = runner
        self.access = ConsoleAccess(token: token)
        self.handOverReplays = handOverReplays
    }

    /// Adds the console's routes to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        let console = router.group("console").add(middleware: ConsoleAuthMiddleware<Context>(access: access))
        console.get { request, _ in try page(request) }
        console.get("reports/:name") { _, context in try report(context.parameters.get("name") ?? "") }
        console.get("label") { request, _ in try label(String(request.uri.queryParameters["key"] ?? "")) }
        console.post("quarantine/replay") { request, context in try await act(request, context) { form in try replay(form.file ?? "") } }
        console.post("quarantine/dismiss") { request, context in try await act(request, context) { form in try dismiss(form.file ?? "") } }
        console.post("manifests/close") { request, context in try await act(request, context) { form in try close(form.carrier) } }
    }

    /// A posted form's fields.
    struct Form: Decodable {
        var csrf: String?
        var file: String?
        var carrier: String?
    }

    // MARK: pages

    func page(_ request: Request) throws -> Response {
        let workspace = runner.workspace
        let ledger = runner.ledger
        let cards = try StatusCards.cards(workspace: workspace, catalog: runner.catalog.snapshot, ledger: runner.ledger)
        let model = ConsolePage.Model(
            notice: request.uri.queryParameters["notice"].map(String.init),
            noticeIsError: request.uri.queryParameters["error"] != nil,
            formToken: access.formToken(),
            cards: cards.map(ConsolePage.card),
            quarantine: try QuarantineDesk.list(workspace: workspace, ledger: ledger).map(ConsolePage.quarantined),
            inputs: try ledger.inputs(route: nil, limit: 25).map(ConsolePage.input),
            manifests: try ledger.openShipmentsByCarrier().map { ["carrier": $0.carrier, "parcels": $0.parcels, "since": $0.since] })
        return Self.html(ConsolePage.render(model))
    }

    func report(_ name: String) throws -> Response {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."),
              let data = FileManager.default.contents(atPath: runner.workspace.outbox("reports") + "/" + name) else {
            return Self.text("No report named \(name).", status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func label(_ key: String) throws -> Response {
        let key = key.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, let shipment = try runner.ledger.shipment(key: key) else {
            return Self.text("No shipment for '\(key)': give an order id (platform:account:number) or a tracking number.", status: .notFound)
        }
        if shipment.state == "voided" {
            return Self.text("The label of \(shipment.orderID) (\(shipment.trackingNumbers)) was voided"
                             + (shipment.voidReason.map { ": \($0)" } ?? "") + ". Do not ship with it.", status: .conflict)
        }
        guard let data = FileManager.default.contents(atPath: runner.workspace.root + "/" + shipment.label) else {
            return Self.text("The label file \(shipment.label) is missing.", status: .notFound)
        }
        let name = URL(fileURLWithPath: shipment.label).lastPathComponent.replacingOccurrences(of: "\"", with: "")
        return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: actions

    /// Checks the form came from a console page, does `action`, and sends the browser back to the page.
    func act<Context: RequestContext>(_ request: Request, _ context: Context, _ action: (Form) throws -> String) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = (try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))) ?? Form()
        guard ConsoleAccess.sameOrigin(request), access.acceptsFormToken(form.csrf) else {
            runner.logger.warning("console: a form without a valid form token was refused", metadata: ["http.path": "\(request.uri.path)"])
            return Self.text("This form did not come from a console page, or the page is older than 12 hours: reload the console and try again. Nothing was done.",
                             status: .forbidden)
        }
        do {
            return Self.back(notice: try action(form), error: false)
        } catch let error as MuelleError {
            return Self.back(notice: error.message, error: true)
        }
    }

    func replay(_ file: String) throws -> String {
        // The mapping may have been fixed since the console started: that is why the file is replayed.
        runner.catalog.reload(runner.workspace)
        if handOverReplays || WorkspaceLock.isHeld(runner.workspace) != nil {
            _ = try Replay.run(file, runner: runner, handOver: true)
            return "\(file) is back in its route's inbox; the running muelle takes it now."
        }
        guard let outcome = try Replay.run(file, runner: runner) else { return "\(file) is back in its route's inbox." }
        if outcome.state == .rejected {
            throw MuelleError(.configuration, "\(outcome.name) was rejected again: \(outcome.entry.error ?? "see its report")")
        }
        return "\(outcome.name) went through \(outcome.route): \(outcome.state.rawValue)."
    }

    func dismiss(_ file: String) throws -> String {
        let item = try QuarantineDesk.dismiss(file, workspace: runner.workspace, ledger: runner.ledger, by: "console")
        return "\(item.name) was dismissed; it stays in \(item.file)."
    }

    func close(_ carrier: String?) throws -> String {
        let day = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        let closed = try ShippingDesk.closeManifests(runner: runner, carrier: carrier, date: day)
        if closed.isEmpty { return "Nothing to close: no open shipments up to \(day)." }
        return closed.map { "closed \($0.id): \($0.parcels) parcel(s)" }.joined(separator: "; ")
    }

    // MARK: responses

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// Post/redirect/get: the page says what happened; reloading it does nothing again.
    static func back(notice: String, error: Bool) -> Response {
        var components = URLComponents()
        components.path = "/console"
        components.queryItems = [URLQueryItem(name: "notice", value: notice)] + (error ? [URLQueryItem(name: "error", value: "1")] : [])
        return Response(status: .seeOther, headers: [.location: components.string ?? "/console"])
    }
}
