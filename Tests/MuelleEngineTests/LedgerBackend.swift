import Foundation
import MuelleCore
import MuelleLedger
import MuelleLedgerPostgres
import PostgresTestCluster
import Testing

/// The ledger a workbench's `muelle run` uses: the SQLite file in `.muelle/`, or a new database of the tests'
/// PostgreSQL server, named by the workspace's muelle.yaml (`ledger:`), so every command run there uses it.
enum LedgerBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// Points the workspace at this backend; false (with the cluster's loud message already printed) when PostgreSQL
    /// cannot start here and is not required, so the caller returns: the test is skipped for this backend.
    func prepare(_ bench: Workbench) throws -> Bool {
        guard self == .postgres else { return true }
        guard PostgresCluster.enabled else { return false }
        let cluster = try PostgresCluster.started()
        // `muelle` processes inherit the test's environment: the password reaches them by the variable the address names.
        setenv(PostgresCluster.passwordVariable, cluster.password, 1)
        try bench.write("muelle.yaml", "ledger: \(try cluster.database().url)\n")
        return true
    }

    /// The workspace's ledger, as the engine sees it.
    func open(_ bench: Workbench) throws -> any LedgerStore {
        switch self {
        case .sqlite:
            return try Ledger.open(path: bench.root + "/.muelle/ledger.sqlite")
        case .postgres:
            let text = try bench.read("muelle.yaml").replacingOccurrences(of: "ledger: ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            return try PostgresLedger.open(try PostgresAddress(parsing: text), environment: try PostgresCluster.started().environment)
        }
    }
}
