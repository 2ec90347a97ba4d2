import Foundation

/// fleetctl's host-key policy, applied before OpenSSH connects: the host's keys are fetched with
/// `ssh-keyscan` and compared with fleetctl's own known-hosts file; an unknown host is shown and
/// accepted only by a `yes` on standard input; a changed key aborts. OpenSSH then re-verifies
/// against the same file with strict checking, so what it connects to is what was accepted.
struct HostKeyChecker: Sendable {
    /// The known-hosts file, `~` expanded.
    let path: String
    /// `--strict-host-key-checking`.
    let strict: Bool
    let console: Console
    /// Reads the answer to the question (standard input).
    let readAnswer: @Sendable () -> String?
    /// Fetches the keys a host offers.
    let scan: @Sendable (_ host: String, _ port: Int) async throws(FleetctlError) -> [HostKey]

    /// The `-o` options that make ssh check host keys the way this checker decided.
    var sshOptions: [String] {
        strict
            ? ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(path)"]
            : ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
    }

    /// Verifies the host, asking and storing as needed; nothing happens with strict checking off.
    /// - Throws: `FleetctlError` (`unauthorized host`, `host key mismatch`, or why the keys could
    ///   not be read) after the original's messages on standard error.
    func verify(host: String, port: Int) async throws(FleetctlError) {
        guard strict else { return }
        let address = KnownHosts.address(host: host, port: port)
        let offered = try await scan(host, port).sorted { $0.preference < $1.preference }
        guard let presented = offered.first else {
            throw FleetctlError("no host key received from \(address)")
        }
        let known = KnownHosts(contents: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        switch known.verdict(for: address, offered: offered) {
        case .known:
            return
        case .changed:
            console.err("""
                @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
                @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
                @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
                IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
                Someone could be eavesdropping on you right now (man-in-the-middle attack)!
                It is also possible that a host key has just been changed.
                The fingerprint for the \(presented.displayType) key sent by the remote host is
                \(presented.fingerprint).
                Please contact your system administrator.
                Add correct host key in \(path) to get rid of this message.
                Host key verification failed.
                """)
            throw FleetctlError("host key mismatch")
        case .unknown:
            console.err("The authenticity of host '\(address)' can't be established.")
            console.err("\(presented.displayType) key fingerprint is \(presented.fingerprint).")
            console.write(toError: "Are you sure you want to continue connecting (yes/no)? ")
            let answer = (readAnswer() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "yes" || answer == "y" else {
                console.err("Host key verification failed.")
                throw FleetctlError("unauthorized host")
            }
            do {
                try Self.append(KnownHosts.line(address: address, key: presented), to: path)
                console.err("Warning: Permanently added '\(address)' (\(presented.displayType)) to the list of known hosts.")
            } catch {
                console.err("Failed to add the host to the list of known hosts (\(error.message)).")
            }
        }
    }

    /// Appends a line, creating the directory (0700) and the file (0600) when missing and
    /// keeping every line already there.
    static func append(_ line: String, to path: String) throws(FleetctlError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw FleetctlError("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FleetctlError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var text = line
        // A last line without its newline must not swallow the new entry.
        var size = stat()
        if fstat(fd, &size) == 0, size.st_size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, size.st_size - 1) == 1, last != UInt8(ascii: "\n") { text = "\n" + text }
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FleetctlError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Fetches a host's keys with `ssh-keyscan -p PORT -T TIMEOUT HOST`.
    static func keyscan(timeout: Double, environment: [String: String]) -> @Sendable (String, Int) async throws(FleetctlError) -> [HostKey] {
        { host, port throws(FleetctlError) in
            let seconds = String(max(1, Int(timeout.rounded(.up))))
            let result = try await ChildProcess.capture(
                "/usr/bin/ssh-keyscan", ["-p", String(port), "-T", seconds, "--", host], environment: environment)
            let keys = parseKeyscan(result.output)
            guard !keys.isEmpty else {
                let why = result.error.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }.joined(separator: "; ")
                throw FleetctlError("unable to read the host key of \(KnownHosts.address(host: host, port: port))" + (why.isEmpty ? "" : ": \(why)"))
            }
            return keys
        }
    }

    /// Fetches a host's keys through a proxy, where ssh-keyscan cannot go: OpenSSH connects
    /// with strict checking off and an empty known-hosts file of its own, records the key it
    /// was shown there, and gives up at authentication (none is allowed).
    static func scanThroughProxy(proxyOptions: [String], timeout: [String], environment: [String: String])
        -> @Sendable (String, Int) async throws(FleetctlError) -> [HostKey] {
        { host, port throws(FleetctlError) in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("fleetctl-hostkey-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let offOptions = ["StrictHostKeyChecking=no", "UserKnownHostsFile=\(file)", "GlobalKnownHostsFile=/dev/null",
                              "HashKnownHosts=no", "UpdateHostKeys=no", "BatchMode=yes", "PubkeyAuthentication=no",
                              "PasswordAuthentication=no", "KbdInteractiveAuthentication=no", "GSSAPIAuthentication=no",
                              "HostbasedAuthentication=no", "IdentityAgent=none", "LogLevel=ERROR"]
            let arguments = timeout + offOptions.flatMap { ["-o", $0] } + proxyOptions + ["-p", String(port), "--", host, "true"]
            let result = try await ChildProcess.capture(SSHClient.sshPath, arguments, environment: environment)
            let address = KnownHosts.address(host: host, port: port)
            let keys = KnownHosts(contents: (try? String(contentsOfFile: file, encoding: .utf8)) ?? "").keys(for: address)
            guard !keys.isEmpty else {
                let why = result.error.split(whereSeparator: \.isNewline).joined(separator: "; ")
                throw FleetctlError("unable to read the host key of \(address) through the tunnel" + (why.isEmpty ? "" : ": \(why)"))
            }
            return keys
        }
    }

    /// The keys in ssh-keyscan's output (`host keytype base64` lines; `#` lines are comments).
    static func parseKeyscan(_ output: String) -> [HostKey] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, !line.hasPrefix("#") else { return nil }
            return HostKey(type: String(fields[1]), base64: String(fields[2]))
        }
    }
}
