import AsyncHTTPClient
import FleetCore
import FleetServer
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite struct APIServerTests {
    @Test func servesTheAPIOverTheUnixSocketWithAsyncHTTPClient() async throws {
        try await withTestDirectory { directory in
            let socket = directory.path("fleet.sock")
            try await withServer(socketConfiguration(directory)) { server in
                #expect(server.listeningDescriptions == ["unix:\(socket)"])
                try await withHTTPClient { client in

                var put = HTTPClientRequest(url: unixURL(socket, "/fleet/v1/units/hello.service"))
                put.method = .PUT
                put.headers.add(name: "Content-Type", value: "application/json")
                put.body = .bytes(ByteBuffer(string: helloUnitBody))
                let created = try await client.execute(put, timeout: .seconds(10))
                #expect(created.status.code == 201)

                let fetched = try await client.execute(HTTPClientRequest(url: unixURL(socket, "/fleet/v1/units/hello.service")), timeout: .seconds(10))
                #expect(fetched.status.code == 200)
                #expect(fetched.headers.first(name: "content-type") == "application/json")
                #expect(fetched.headers.first(name: "server") == "fleetd/\(FleetVersion.current)")
                let body = String(buffer: try await fetched.body.collect(upTo: 1 << 20))
                #expect(body.contains(#""name":"hello.service""#))
                #expect(body.contains(#""desiredState":"launched""#))

                let missing = try await client.execute(HTTPClientRequest(url: unixURL(socket, "/fleet/v1/units/nope.service")), timeout: .seconds(10))
                #expect(missing.status.code == 404)
                #expect(String(buffer: try await missing.body.collect(upTo: 1 << 20)).contains(#""code":404"#))
                }
            }
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory)) { server in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("PUT", "/fleet/v1/units/a.service", body: helloUnitBody, headers: ["Content-Type: application/json"])
                    let created = try await connection.readResponse()
                    #expect(created.status == 201)

                    try await connection.sendRequest("GET", "/fleet/v1/units/a.service")
                    let fetched = try await connection.readResponse()
                    #expect(fetched.status == 200)
                    #expect(fetched.headers["content-length"] == String(fetched.body.count))
                    #expect(fetched.bodyText.contains(#""name":"a.service""#))

                    try await connection.sendRequest("DELETE", "/fleet/v1/units/a.service")
                    let deleted = try await connection.readResponse()
                    #expect(deleted.status == 204)
                    #expect(deleted.headers["content-length"] == nil)
                    #expect(deleted.headers["transfer-encoding"] == nil)
                    #expect(deleted.body.isEmpty)

                    // Two pipelined requests in one write are answered in order.
                    try await connection.send(
                        "GET /fleet/v1/units/a.service HTTP/1.1\r\nHost: fleet\r\n\r\nGET /fleet/v1/units HTTP/1.1\r\nHost: fleet\r\n\r\n"
                    )
                    let gone = try await connection.readResponse()
                    let list = try await connection.readResponse()
                    #expect(gone.status == 404)
                    #expect(list.status == 200)
                    #expect(server.connectionCount == 1)

                    try await connection.sendRequest("GET", "/fleet/v1/units", headers: ["Connection: close"])
                    let last = try await connection.readResponse()
                    #expect(last.status == 200)
                    #expect(last.headers["connection"] == "close")
                    #expect(try await connection.serverClosesConnection())
                }
            }
        }
    }

    @Test func theTargetIsSplitIntoPathAndDecodedQuery() async throws {
        let echo: @Sendable (APIRequest) async -> APIResponse = { request in
            .json(200, ["method": request.method, "path": request.path, "query": request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"), "body": String(decoding: request.body, as: UTF8.self)])
        }
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory), handler: echo) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("PATCH", "/fleet/v1/state?machineID=abc&unitName=a%20b.service", body: "[1]")
                    let response = try await connection.readResponse()
                    let echoed = try JSONDecoder().decode([String: String].self, from: Data(response.body))
                    #expect(echoed == ["method": "PATCH", "path": "/fleet/v1/state", "query": "machineID=abc&unitName=a b.service", "body": "[1]"])
                }
            }
        }
    }

    @Test func anOversizedBodyGets413AndTheConnectionCloses() async throws {
        try await withTestDirectory { directory in
            let endpoint = RawHTTPConnection.Endpoint.unix(directory.path("fleet.sock"))
            try await withServer(socketConfiguration(directory, maxBodyBytes: 64)) { _ in
                // Announced by Content-Length.
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.sendRequest("PUT", "/fleet/v1/units/big.service", body: String(repeating: "x", count: 65))
                    let response = try await connection.readResponse()
                    #expect(response.status == 413)
                    #expect(response.headers["content-type"] == "application/json")
                    #expect(response.headers["connection"] == "close")
                    #expect(response.bodyText == #"{"error":{"code":413,"message":"request body too large (limit 64 bytes)"}}"#)
                    #expect(try await connection.serverClosesConnection())
                }
                // Discovered while reading a chunked body.
                try await RawHTTPConnection.with(endpoint) { connection in
                    let chunk = String(repeating: "y", count: 40)
                    try await connection.send(
                        "PUT /fleet/v1/units/big.service HTTP/1.1\r\nHost: fleet\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n\(chunk)\r\n28\r\n\(chunk)\r\n0\r\n\r\n"
                    )
                    let response = try await connection.readResponse()
                    #expect(response.status == 413)
                    #expect(try await connection.serverClosesConnection())
                }
                // A body of exactly the limit reaches the handler, and the connection stays.
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.sendRequest("PUT", "/fleet/v1/units/big.service", body: String(repeating: " ", count: 64))
                    let response = try await connection.readResponse()
                    #expect(response.status == 400)
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
            }
        }
    }

    @Test func expectContinueIsAnsweredAndAnOversizedOneRefusedWithoutTheBody() async throws {
        try await withTestDirectory { directory in
            let endpoint = RawHTTPConnection.Endpoint.unix(directory.path("fleet.sock"))
            try await withServer(socketConfiguration(directory, maxBodyBytes: 1024)) { _ in
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.send("PUT /fleet/v1/units/e.service HTTP/1.1\r\nHost: fleet\r\nExpect: 100-continue\r\nContent-Length: \(helloUnitBody.utf8.count)\r\n\r\n")
                    #expect(try await connection.readHead().status == 100)
                    try await connection.send(helloUnitBody)
                    #expect(try await connection.readResponse().status == 201)
                }
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.send("PUT /fleet/v1/units/e.service HTTP/1.1\r\nHost: fleet\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
                    #expect(try await connection.readResponse().status == 413)
                    #expect(try await connection.serverClosesConnection())
                }
            }
        }
    }

    @Test func malformedRequestsGet400AndTheServerKeepsServing() async throws {
        try await withTestDirectory { directory in
            let endpoint = RawHTTPConnection.Endpoint.unix(directory.path("fleet.sock"))
            try await withServer(socketConfiguration(directory)) { _ in
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.send("THIS IS NOT HTTP\r\n\r\n")
                    #expect(try await connection.readResponse().status == 400)
                    #expect(try await connection.serverClosesConnection())
                }
                try await RawHTTPConnection.with(endpoint) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    #expect(try await connection.readResponse().status == 200)
                }
            }
        }
    }

    @Test func http10GetsItsResponseAndTheConnectionCloses() async throws {
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory)) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.send("GET /fleet/v1/units HTTP/1.0\r\n\r\n")
                    let response = try await connection.readResponse()
                    #expect(response.status == 200)
                    #expect(response.bodyText == #"{"units":[]}"#)
                    #expect(try await connection.serverClosesConnection())
                }
            }
        }
    }

    @Test func headGetsTheHeadersWithoutTheBodyAndTheConnectionStaysInStep() async throws {
        let handler: @Sendable (APIRequest) async -> APIResponse = { _ in .json(200, ["greeting": "hello"]) }
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory), handler: handler) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("HEAD", "/fleet/v1/units")
                    let head = try await connection.readHead()
                    #expect(head.status == 200)
                    #expect(head.headers["content-length"] == String(#"{"greeting":"hello"}"#.utf8.count))
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    let response = try await connection.readResponse()
                    #expect(response.status == 200)
                    #expect(response.bodyText == #"{"greeting":"hello"}"#)
                }
            }
        }
    }

    @Test func anInvalidStatusFromTheHandlerBecomes500() async throws {
        let handler: @Sendable (APIRequest) async -> APIResponse = { _ in APIResponse(status: 101) }
        try await withTestDirectory { directory in
            try await withServer(socketConfiguration(directory), handler: handler) { _ in
                try await RawHTTPConnection.with(.unix(directory.path("fleet.sock"))) { connection in
                    try await connection.sendRequest("GET", "/fleet/v1/units")
                    let response = try await connection.readResponse()
                    #expect(response.status == 500)
                    #expect(response.bodyText == #"{"error":{"code":500,"message":"the handler returned invalid status 101"}}"#)
                }
            }
        }
    }
}
