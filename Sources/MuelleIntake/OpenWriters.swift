/// Finds processes that have a file open for writing by walking `/proc/<pid>/fd`, as fuser(1) does:
/// the stand-in for a read lease where the file system refuses leases (NFS, overlay, FUSE) or the file is
/// not ours to lease. It sees only processes of this machine, and only those muelle may inspect (all of
/// them as root; its own user's otherwise).
enum OpenWriters {
    /// Whether any process has the file `device`/`inode` open for writing right now.
    static func exist(device: UInt64, inode: UInt64, procRoot: String = "/proc") -> Bool {
        guard let processes = try? DirectoryListing.entries(of: procRoot) else { return false }
        for process in processes {
            guard let pid = process.name, pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { continue }
            let folder = procRoot + "/" + pid + "/fd"
            // A process that ended, or one we may not inspect, has nothing to say.
            guard let descriptors = try? DirectoryListing.entries(of: folder) else { continue }
            for descriptor in descriptors {
                guard let name = descriptor.name,
                      let open = OpenDescriptor.at(folder + "/" + name), open.isWritable else { continue }
                if open.device == device, open.inode == inode { return true }
            }
        }
        return false
    }
}
