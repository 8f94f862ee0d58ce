import Foundation
import MirrorGuardCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RequestParsing

/// Limits of the mirror listener; every field has a documented default.
public struct ListenerLimits: Sendable, Hashable {
    /// Open connections at once; more are closed at accept. Default 1,024.
    public var maxConnections = 1024
    /// A connection with no bytes for this long is closed. Default 60 s.
    public var idleTimeoutSeconds: Int64 = 60
    /// A message (head and body) must arrive within this; slow clients are closed. Default 30 s.
    public var messageTimeoutSeconds: Int64 = 30

    public init() {}
}

/// The HTTP/1.1 listener proxies mirror to. Raw SwiftNIO with MirrorGuard's own tolerant parser: every copy is
/// answered `200` with an empty body as soon as it is framed, before analysis; the copy is then offered to the
/// analysis queue, which drops rather than waits when full.
final class MirrorListener: @unchecked Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let host: String
    private let port: Int
    private let limits: ParsingLimits
    private let listenerLimits: ListenerLimits
    private let pipeline: AnalysisPipeline
    private let metrics: NodeMetrics
    private let clock: @Sendable () -> Timestamp
    private let openConnections = NIOLockedValueBox(0)
    private var channel: (any Channel)?

    init(host: String, port: Int, threads: Int, limits: ParsingLimits, listenerLimits: ListenerLimits, pipeline: AnalysisPipeline,
         metrics: NodeMetrics, clock: @escaping @Sendable () -> Timestamp) {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(threads, 1))
        self.host = host
        self.port = port
        self.limits = limits
        self.listenerLimits = listenerLimits
        self.pipeline = pipeline
        self.metrics = metrics
        self.clock = clock
    }

    /// Binds and starts accepting; returns the bound port.
    func start() async throws -> Int {
        let limits = self.limits
        let listenerLimits = self.listenerLimits
        let pipeline = self.pipeline
        let metrics = self.metrics
        let clock = self.clock
        let openConnections = self.openConnections
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let admitted = openConnections.withLockedValue { count -> Bool in
                        guard count < listenerLimits.maxConnections else { return false }
                        count += 1
                        return true
                    }
                    guard admitted else {
                        metrics.rejectedConnections.increment()
                        channel.close(promise: nil)
                        return
                    }
                    metrics.connections.record(openConnections.withLockedValue { $0 })
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: .seconds(listenerLimits.idleTimeoutSeconds)))
                    try channel.pipeline.syncOperations.addHandler(
                        MirrorHandler(limits: limits, messageTimeout: .seconds(listenerLimits.messageTimeoutSeconds), pipeline: pipeline,
                                      metrics: metrics, clock: clock, onClose: {
                                          let remaining = openConnections.withLockedValue { count -> Int in
                                              count -= 1
                                              return count
                                          }
                                          metrics.connections.record(remaining)
                                      }))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        self.channel = channel
        return channel.localAddress?.port ?? port
    }

    /// Stops accepting and closes the event loops.
    func stop() async {
        try? await channel?.close().get()
        try? await group.shutdownGracefully()
    }
}

/// Per-connection handler: frames requests with `HTTPStreamParser`, answers each at once, submits it.
final class MirrorHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: HTTPStreamParser
    private var events: [HTTPStreamEvent] = []
    private let messageTimeout: TimeAmount
    private let pipeline: AnalysisPipeline
    private let metrics: NodeMetrics
    private let clock: @Sendable () -> Timestamp
    private let onClose: @Sendable () -> Void
    private var deadline: Scheduled<Void>?
    private var peerAddress: String?
    private var peerPort: Int?
    private var closed = false
    private var messageStartedAt: Timestamp?

    private static let ok = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    private static let okClose = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    init(limits: ParsingLimits, messageTimeout: TimeAmount, pipeline: AnalysisPipeline, metrics: NodeMetrics,
         clock: @escaping @Sendable () -> Timestamp, onClose: @escaping @Sendable () -> Void) {
        self.parser = HTTPStreamParser(mode: .requests, limits: limits)
        self.messageTimeout = messageTimeout
        self.pipeline = pipeline
        self.metrics = metrics
        self.clock = clock
        self.onClose = onClose
    }

    func channelActive(context: ChannelHandlerContext) {
        peerAddress = context.remoteAddress?.ipAddress
        peerPort = context.remoteAddress?.port
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        metrics.receivedBytes.increment(by: buffer.readableBytes)
        if messageStartedAt == nil { messageStartedAt = clock() }
        events.removeAll(keepingCapacity: true)
        buffer.withUnsafeReadableBytes { parser.feed($0, into: &events) }
        var closeAfter = false
        var wrote = false
        // Moved out in order (reversed, then emptied from the end), not copied: each request goes to the queue
        // without a retain per buffer, and the list holds none of them once the read is done.
        events.reverse()
        while let event = events.popLast() {
            guard case let .message(message) = event else { continue }
            let anomalies = message.anomalies
            guard let request = message.takeRequest() else { continue }
            let keepAlive = Self.keepsAlive(request)
            context.write(wrapOutboundOut(keepAlive ? Self.ok : Self.okClose), promise: nil)
            wrote = true
            submit(request, anomalies: anomalies)
            if !keepAlive {
                closeAfter = true
                break
            }
        }
        if wrote { context.flush() }
        if closeAfter {
            closed = true
            context.close(promise: nil)
            return
        }
        if parser.isBetweenMessages {
            deadline?.cancel()
            deadline = nil
            messageStartedAt = nil
        } else if deadline == nil {
            // A message must complete in time: slow clients do not pin memory or a connection.
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: messageTimeout) { channel.close(promise: nil) }
        }
    }

    private func submit(_ request: HTTPRequest, anomalies: [Anomaly]) {
        pipeline.submit(MirrorJob(request: request, anomalies: anomalies, peerAddress: peerAddress, peerPort: peerPort,
                                  receivedAt: messageStartedAt ?? clock()))
        messageStartedAt = parser.isBetweenMessages ? nil : clock()
    }

    /// HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
    static func keepsAlive(_ request: HTTPRequest) -> Bool {
        let connection = request.headers.firstString(lowercase: "connection")?.lowercased() ?? ""
        if request.version.major == 1 && request.version.minor == 0 { return connection.contains("keep-alive") }
        return !connection.contains("close")
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        // A copy cut short by the source is still analysed (with `truncated_message`).
        if !closed {
            for event in parser.finish() {
                if case let .message(message) = event, let request = message.request { submit(request, anomalies: message.anomalies) }
            }
        }
        onClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
