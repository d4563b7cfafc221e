import Foundation
import Hummingbird
import Logging
import MuelleCore
import MuelleEngine
import MuelleMapping
import ServiceLifecycle

/// `muelle run --listen`: the HTTP listener, a Service beside the inbox watcher. A push to `/hooks/<route>`
/// becomes a drop in `inbox/<route>/` (`DropWriter`) and from there takes the same path as any file; the
/// listener also serves `/healthz`, `/readyz` and `/metrics`, and whatever the `HTTPRouteProvider`s add.
public struct HTTPIntake: Service {
    let runner: Runner
    let host: String
    let port: Int
    let providers: [any HTTPRouteProvider]
    /// `/readyz` fails when the workspace's file system has less room than this (`listen: { ready_min_free: … }`).
    let diskFloorBytes: Int64

    public init(runner: Runner, host: String, port: Int, providers: [any HTTPRouteProvider] = [],
                diskFloorBytes: Int64 = WorkspaceSettings.defaultReadyMinFreeBytes) {
        self.runner = runner
        self.host = host
        self.port = port
        self.providers = providers
        self.diskFloorBytes = diskFloorBytes
    }

    public func run() async throws {
        IntakeMetrics.bootstrap()
        for route in runner.routes { DropWriter.removeLeftovers(in: runner.workspace.inbox(route: route.name)) }
        let application = Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "muelle"),
                                      logger: runner.logger)
        try await application.run()
    }

    /// The router: the intake's own routes, then each provider's.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestCounter())
        let gate = TokenGate(ledger: runner.ledger)
        let runner = runner
        let diskFloor = diskFloorBytes
        router.get("/healthz") { _, _ in JSONAnswer.make(.ok, [("status", .string("up"))]) }
        router.get("/readyz") { _, _ in Readiness.check(runner, diskFloorBytes: diskFloor) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: IntakeMetrics.scrape(runner))))
        }
        let pushes = PushHandler(runner: runner, gate: gate)
        // POST, and PUT for senders that push with it (the delivery app's status pushes).
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/hooks/**", method: method) { request, _ in
                await pushes.handle(request, segments: Self.segments(request.uri.path, after: 1), pathToken: nil)
            }
            // For a sender that cannot set a header: the token as a path segment before the usual path.
            router.on("/secret/:token/hooks/**", method: method) { request, context in
                await pushes.handle(request, segments: Self.segments(request.uri.path, after: 3), pathToken: context.parameters.get("token"))
            }
        }
        for provider in providers { provider.addRoutes(to: router) }
        return router
    }

    /// The path's segments after its first `count` ones.
    static func segments(_ path: String, after count: Int) -> [Substring] {
        Array(path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(count))
    }
}

/// One push: route, token, content type and size checked before a byte is written; then the drop.
struct PushHandler: Sendable {
    let runner: Runner
    let gate: TokenGate

    func handle(_ request: Request, segments: [Substring], pathToken: String?) async -> Response {
        let target: HookTarget
        let mapping: RouteMapping
        do {
            (target, mapping) = try HookTarget.resolve(segments) { runner.route(named: $0) }
        } catch {
            switch error {
            case .noRoute(let name):
                return JSONAnswer.error(.notFound, "no_route", "there is no route \(QuotedInput.quote(name)) (mappings/<route>.yaml); pushes go to /hooks/<route>")
            case .wrongPath(let route, let expected):
                return JSONAnswer.error(.notFound, "no_route", expected.isEmpty
                    ? "the route \(route) takes pushes at /hooks/\(route) only"
                    : "the route \(route) takes pushes at /hooks/\(route)/\(expected)")
            case .badValue(let name):
                return JSONAnswer.error(.badRequest, "bad_path", "the path's {\(name)} may hold letters, digits, '-' and '.' only")
            }
        }
        let verdict: TokenGate.Verdict
        do {
            verdict = try gate.check(pathToken ?? Self.bearer(request.headers[.authorization]), route: target.route)
        } catch {
            return JSONAnswer.error(.serviceUnavailable, "ledger", "the tokens could not be read; try again later")
        }
        switch verdict {
        case .allowed: break
        case .missing, .unknown, .notForRoute:
            // Logged without the token, whatever it was.
            let reason = switch verdict {
            case .missing: "no token"
            case .notForRoute(let name): "the token \(QuotedInput.quote(name)) is not for this route"
            default: "an unknown or revoked token"
            }
            runner.logger.warning("push refused: \(reason)", metadata: ["muelle.route": "\(target.route)"])
            return JSONAnswer.error(.unauthorized, "unauthorized", "a token for this route is needed: Authorization: Bearer <token> (muelle tokens create --route \(target.route))",
                                    headers: [.wwwAuthenticate: "Bearer"])
        }
        let settings = mapping.http ?? HTTPIntakeSettings()
        let types = AcceptedContent.types(for: mapping.reader)
        guard AcceptedContent.accepts(request.headers[.contentType], types: types) else {
            return JSONAnswer.error(.unsupportedMediaType, "content_type", "the route \(target.route) reads \(AcceptedContent.fileExtension(for: mapping.reader)): send Content-Type \(types.joined(separator: " or "))")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            return Self.tooLarge(settings.maxBodyBytes)
        }
        var parts = target.parameters
        for (key, header) in settings.headers {
            let value = request.headers.first { $0.name.canonicalName == header.lowercased() }?.value
            guard let value, HookTarget.isSafeValue(Substring(value)) else {
                return JSONAnswer.error(.badRequest, "bad_header", "the header \(header) is needed, with letters, digits, '-' and '.' only")
            }
            parts[key] = value
        }
        let template = settings.fileName ?? "push-{id}.\(AcceptedContent.fileExtension(for: mapping.reader))"
        let writer = DropWriter(folder: runner.workspace.inbox(route: target.route), ledger: runner.ledger)
        do {
            let outcome = try await writer.write(request.body, route: target.route, template: template, parts: parts, limit: settings.maxBodyBytes)
            TestHooks.point("http-before-answer")
            switch outcome {
            case .accepted(let id, let name):
                runner.logger.info("push taken", metadata: ["muelle.route": "\(target.route)", "muelle.file": "\(name)"])
                return JSONAnswer.make(.accepted, [("id", .string(id)), ("status", .string("accepted")), ("route", .string(target.route)), ("file", .string(name))])
            case .duplicate(let id, let name):
                runner.logger.info("push already received: a duplicate", metadata: ["muelle.route": "\(target.route)", "muelle.file": "\(name)"])
                return JSONAnswer.make(.ok, [("id", .string(id)), ("status", .string("duplicate")), ("route", .string(target.route)), ("file", .string(name))])
            }
        } catch {
            switch error {
            case .tooLarge(let limit):
                return Self.tooLarge(limit)
            case .diskFull(let detail):
                runner.logger.error("push refused: the disk is full", metadata: ["muelle.route": "\(target.route)", "error": "\(detail)"])
                return JSONAnswer.error(.serviceUnavailable, "disk_full", "the disk is full: nothing of this push was kept; send it again later", headers: [.retryAfter: "60"])
            case .io(let detail):
                runner.logger.error("push not taken", metadata: ["muelle.route": "\(target.route)", "error": "\(detail)"])
                return JSONAnswer.error(.serviceUnavailable, "not_written", "the push could not be written: nothing of it was kept; send it again later")
            }
        }
    }

    static func tooLarge(_ limit: Int) -> Response {
        JSONAnswer.error(.contentTooLarge, "too_large", "the route takes bodies up to \(limit) bytes (route: { http: { max_body: … } })")
    }

    /// The token of `Authorization: Bearer <token>`.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// Answers as JSON objects.
enum JSONAnswer {
    static func make(_ status: HTTPResponse.Status, _ pairs: [(String, Value)], headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JSONText.compact(.object(pairs)) + "\n")))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) -> Response {
        make(status, [("error", .string(code)), ("message", .string(message))], headers: headers)
    }
}

/// `/readyz`: the ledger takes a write, the disk has room, and every mapping is loaded.
enum Readiness {
    static func check(_ runner: Runner, diskFloorBytes: Int64) -> Response {
        var failures: [(String, Value)] = []
        do { try runner.ledger.transaction { _ in } } catch { failures.append(("ledger", .string("\(error)"))) }
        var stats = statvfs()
        if statvfs(runner.workspace.root, &stats) == 0 {
            let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
            if free < diskFloorBytes {
                failures.append(("disk", .string("\(free) bytes free on the workspace's file system, below the floor of \(diskFloorBytes) (listen: { ready_min_free: … } in muelle.yaml)")))
            }
        } else {
            failures.append(("disk", .string("cannot read the file system's free space")))
        }
        // Each mapping that did not load, by name, with its first error (`muelle check` lists them all).
        let problems = runner.catalog.snapshot.problems
        if !problems.isEmpty {
            failures.append(("mappings", .object(problems.keys.sorted().map { name in
                let first = problems[name]?.first.map { "\($0.file):\($0.line):\($0.column): \($0.message)" } ?? "not loaded"
                return (name, .string(first))
            })))
        }
        if failures.isEmpty { return JSONAnswer.make(.ok, [("status", .string("ready"))]) }
        return JSONAnswer.make(.serviceUnavailable, [("status", .string("not ready")), ("failures", .object(failures))])
    }
}
