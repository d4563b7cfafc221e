import Foundation
import MuelleEngine
import MuelleLedger
import Mustache

/// The console's one page, rendered on the server: cards, quarantine, recent inputs, open manifests and
/// the label search. Plain forms (no JavaScript); it reloads itself so a wall screen stays current.
enum ConsolePage {
    static let refreshSeconds = 15

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The template is part of the binary: an installed muelle has no resource folder beside it.
        do { try library.register(template, named: "console") } catch { assertionFailure("console template: \(error)") }
        return library
    }()

    /// What the template shows.
    struct Model {
        var refresh = ConsolePage.refreshSeconds
        var notice: String?
        var noticeIsError = false
        var formToken: String
        var cards: [[String: Any]]
        var quarantine: [[String: Any]]
        var inputs: [[String: Any]]
        var manifests: [[String: Any]]
        var hasQuarantine: Bool { !quarantine.isEmpty }
        var hasManifests: Bool { !manifests.isEmpty }
    }

    static func render(_ model: Model) -> String {
        let object = present([
            "refresh": model.refresh, "notice": model.notice, "noticeIsError": model.noticeIsError,
            "formToken": model.formToken, "cards": model.cards, "quarantine": model.quarantine, "hasQuarantine": model.hasQuarantine,
            "inputs": model.inputs, "manifests": model.manifests, "hasManifests": model.hasManifests,
        ])
        return library.render(object, withTemplate: "console") ?? "the console page could not be rendered"
    }

    static func card(_ card: StatusCards.Card) -> [String: Any] {
        let t = card.totals
        return present([
            "route": card.route, "connection": card.platform.isEmpty ? "" : "\(card.platform)/\(card.account)", "state": card.state,
            "lastRun": card.lastRun ?? "never", "waiting": card.waiting, "quarantined": card.quarantined,
            "imported": t.imported, "updated": t.updated, "skipped": t.skipped, "filtered": t.filtered, "rejected": t.rejected,
            "duplicates": t.duplicates, "deliveries": card.pendingDeliveries > 0 ? "\(card.pendingDeliveries)" : nil,
            "problem": card.mappingError ?? card.late?.message ?? card.lastError ?? card.stuckReason,
            "expect": card.expectation,
        ])
    }

    /// Mustache reads a missing key as false: absent values are left out rather than wrapped.
    static func present(_ values: [String: Any?]) -> [String: Any] {
        values.compactMapValues { $0 }
    }

    static func quarantined(_ item: QuarantineDesk.Item) -> [String: Any] {
        present(["file": item.file, "route": item.route, "name": item.name, "at": item.quarantinedAt, "reason": item.reason,
                 "report": item.report.map(reportLink)])
    }

    static func input(_ entry: InputEntry) -> [String: Any] {
        present(["route": entry.route, "name": entry.name, "state": entry.state.rawValue, "at": entry.finishedAt,
                 "kept": entry.kept, "rejected": entry.rejected, "report": entry.report.map(reportLink)])
    }

    /// Reports are served by their file name only: nothing else of the workspace is reachable.
    static func reportLink(_ path: String) -> String {
        "/console/reports/" + (URL(fileURLWithPath: path).lastPathComponent.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
    }

    static let template = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <meta http-equiv="refresh" content="{{refresh}}; url=/console">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>muelle console</title>
    <style>
    body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#f6f6f4}
    h1{font-size:1.4em;margin:0 0 .6em}h2{font-size:1.1em;margin:1.6em 0 .5em}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(19em,1fr));gap:.8em}
    .card{background:#fff;border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;padding:.6em .8em}
    .card.synced{border-left-color:#2a8a3e}.card.syncing{border-left-color:#2a62b8}.card.pending{border-left-color:#aaa}
    .card.attention{border-left-color:#d08a00}.card.error{border-left-color:#c0392b}.card.late{border-left-color:#8e44ad}
    .state{font-weight:bold;text-transform:uppercase;font-size:.8em;letter-spacing:.05em}
    .problem{color:#a33;font-size:.9em;margin-top:.3em;overflow-wrap:anywhere}
    table{border-collapse:collapse;background:#fff;width:100%}td,th{border-bottom:1px solid #eee;padding:.3em .5em;text-align:left;vertical-align:top}
    .notice{padding:.5em .8em;background:#e8f4ea;border:1px solid #9c9}.notice.error{background:#fbeaea;border-color:#d99}
    form.inline{display:inline}button{cursor:pointer}small{color:#666}
    </style></head><body>
    <h1>muelle</h1>
    {{#notice}}<p class="notice{{#noticeIsError}} error{{/noticeIsError}}" role="status">{{notice}}</p>{{/notice}}
    <h2>Routes</h2>
    <div class="cards">
    {{#cards}}
    <section class="card {{state}}" id="route-{{route}}">
    <div><strong>{{route}}</strong> <small>{{connection}}</small> <span class="state">{{state}}</span></div>
    <div><small>last run {{lastRun}} · waiting {{waiting}} · in quarantine {{quarantined}}{{#deliveries}} · deliveries pending {{deliveries}}{{/deliveries}}{{#expect}} · expects a file {{expect}}{{/expect}}</small></div>
    <div>imported {{imported}} · updated {{updated}} · skipped {{skipped}} · filtered {{filtered}} · rejected {{rejected}} · duplicates {{duplicates}}</div>
    {{#problem}}<div class="problem">{{problem}}</div>{{/problem}}
    </section>
    {{/cards}}
    </div>
    <h2>Quarantine</h2>
    {{^hasQuarantine}}<p>Nothing in quarantine.</p>{{/hasQuarantine}}
    {{#hasQuarantine}}
    <table id="quarantine"><tr><th>File</th><th>Why</th><th></th></tr>
    {{#quarantine}}
    <tr><td>{{name}}<br><small>{{route}} · {{at}}{{#report}} · <a href="{{report}}">report</a>{{/report}}</small></td><td>{{reason}}</td>
    <td><form class="inline" method="post" action="/console/quarantine/replay"><input type="hidden" name="csrf" value="{{formToken}}"><input type="hidden" name="file" value="{{file}}"><button type="submit" name="replay">Replay</button></form>
    <form class="inline" method="post" action="/console/quarantine/dismiss"><input type="hidden" name="csrf" value="{{formToken}}"><input type="hidden" name="file" value="{{file}}"><button type="submit" name="dismiss">Dismiss</button></form></td></tr>
    {{/quarantine}}
    </table>
    {{/hasQuarantine}}
    <h2>Open manifests</h2>
    {{^hasManifests}}<p>No shipment waits for a manifest.</p>{{/hasManifests}}
    {{#manifests}}
    <form method="post" action="/console/manifests/close"><input type="hidden" name="csrf" value="{{formToken}}"><input type="hidden" name="carrier" value="{{carrier}}">
    {{carrier}}: {{parcels}} shipment(s) since {{since}} <button type="submit">Close</button></form>
    {{/manifests}}
    <h2>Label</h2>
    <form method="get" action="/console/label"><label>Order id or tracking number <input name="key" required></label> <button type="submit">Download</button></form>
    <h2>Recent inputs</h2>
    <table id="inputs"><tr><th>File</th><th>Route</th><th>State</th><th>Kept</th><th>Rejected</th><th>When</th></tr>
    {{#inputs}}<tr><td>{{#report}}<a href="{{report}}">{{name}}</a>{{/report}}{{^report}}{{name}}{{/report}}</td><td>{{route}}</td><td>{{state}}</td><td>{{kept}}</td><td>{{rejected}}</td><td>{{at}}</td></tr>{{/inputs}}
    </table>
    <p><small>Refreshes every {{refresh}} seconds.</small></p>
    </body></html>
    """#
}
