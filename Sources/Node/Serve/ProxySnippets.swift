/// Mirror configurations for each supported source, printed by `mirrorguard config <source>`.
/// Each sends a copy of every request (with its body) to the node, with the headers that carry the original
/// client address, host, server address/port, scheme and request id, and short timeouts so the mirror can
/// never hold production traffic.
public enum ProxySnippets {
    /// Where the node and the proxied application are.
    public struct Options: Sendable {
        /// The node's mirror listener (`host:port`).
        public var node: HostPort
        /// The port the proxy listens on.
        public var listenPort: Int
        /// The application behind the proxy (`host:port`).
        public var backend: HostPort

        public init(node: HostPort, listenPort: Int, backend: HostPort) {
            self.node = node
            self.listenPort = listenPort
            self.backend = backend
        }
    }

    /// Sources with a snippet.
    public static let sources = ["nginx", "envoy", "istio", "istio-envoy", "traefik", "kong"]

    /// The snippet for `source`, or nil for an unknown source.
    public static func snippet(for source: String, options: Options) -> String? {
        switch source {
        case "nginx": return nginx(options)
        case "envoy": return envoy(options)
        case "istio": return istio(options)
        case "istio-envoy": return istioEnvoy(options)
        case "traefik": return traefik(options)
        case "kong": return kong(options)
        default: return nil
        }
    }

    static func nginx(_ options: Options) -> String {
        """
        # MirrorGuard mirror for NGINX (http context). Every request is copied to the node at \(options.node);
        # clients never wait for it: the node answers each copy at once, and the timeouts below bound the rest.
        # NGINX holds the client's keep-alive connection until the mirror subrequest ends, hence the short timeouts.
        upstream mirrorguard {
            server \(options.node);
            keepalive 32;
        }

        server {
            listen \(options.listenPort);

            location / {
                mirror /__mirrorguard;
                mirror_request_body on;
                proxy_pass http://\(options.backend);
            }

            location = /__mirrorguard {
                internal;
                proxy_pass http://mirrorguard$request_uri;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $host;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header X-Server-Addr $server_addr;
                proxy_set_header X-Server-Port $server_port;
                proxy_set_header X-Request-ID $request_id;
                proxy_connect_timeout 100ms;
                proxy_send_timeout 1s;
                proxy_read_timeout 1s;
                proxy_next_upstream off;
                proxy_intercept_errors off;
            }
        }

        """
    }

    static func envoy(_ options: Options) -> String {
        """
        # MirrorGuard mirror for Envoy (static bootstrap). The route mirrors every request to the `mirrorguard`
        # cluster; Envoy appends `-shadow` to the copy's Host, which the node removes. Envoy never waits for the
        # shadow before answering the client. It sets X-Forwarded-For and X-Forwarded-Proto itself
        # (use_remote_address) and replaces an external X-Request-ID with its own unless preserve_external_request_id.
        static_resources:
          listeners:
          - name: ingress
            address: { socket_address: { address: 0.0.0.0, port_value: \(options.listenPort) } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  use_remote_address: true
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        request_headers_to_add:
                        - header: { key: x-real-ip, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%" }
                          append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        - header: { key: x-server-addr, value: "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%" }
                          append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        - header: { key: x-server-port, value: "\(options.listenPort)" }
                          append_action: OVERWRITE_IF_EXISTS_OR_ADD
                        route:
                          cluster: backend
                          request_mirror_policies:
                          - cluster: mirrorguard
                            runtime_fraction: { default_value: { numerator: 100, denominator: HUNDRED } }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
          clusters:
          - name: backend
            type: STRICT_DNS
            connect_timeout: 1s
            load_assignment:
              cluster_name: backend
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: \(options.backend.host), port_value: \(options.backend.port) } } } }] }]
          - name: mirrorguard
            type: STRICT_DNS
            connect_timeout: 0.25s
            # Bound what a slow or stalled node can hold inside Envoy; shadows beyond these are dropped.
            circuit_breakers:
              thresholds: [{ max_connections: 256, max_pending_requests: 256, max_requests: 1024 }]
            load_assignment:
              cluster_name: mirrorguard
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: \(options.node.host), port_value: \(options.node.port) } } } }] }]

        """
    }

    static func istio(_ options: Options) -> String {
        """
        # MirrorGuard mirror for Istio: a ServiceEntry for the node and a VirtualService that mirrors to it.
        # Replace `app.example.com` and `app` with your host and service. Istio (Envoy) appends `-shadow` to the
        # copy's Host; the node removes it. `mirrorguard config istio-envoy` prints the Envoy configuration this
        # becomes (what the tests run). The node reads the client from X-Forwarded-For: add your ingress
        # gateway's network to mirror.trusted_networks if it is not private.
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: mirrorguard
        spec:
          hosts: ["mirrorguard.internal"]
          location: MESH_EXTERNAL
          ports:
          - number: \(options.node.port)
            name: http
            protocol: HTTP
          resolution: STATIC
          endpoints:
          - address: \(options.node.host)
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: app-mirrorguard
        spec:
          hosts: ["app.example.com"]
          http:
          - route:
            - destination: { host: app }
            mirror:
              host: mirrorguard.internal
              port: { number: \(options.node.port) }
            mirrorPercentage: { value: 100.0 }

        """
    }

    /// What Istio renders for the VirtualService `mirror` above, as a standalone Envoy bootstrap: the sidecar's
    /// route with `request_mirror_policies` (runtime fraction in millionths, as Istio writes `mirrorPercentage`),
    /// the `outbound|PORT||HOST` cluster of the ServiceEntry, no MirrorGuard-specific headers (the node reads
    /// X-Forwarded-For and the Envoy request id), and the `-shadow` host suffix Envoy appends.
    static func istioEnvoy(_ options: Options) -> String {
        let cluster = "outbound|\(options.node.port)||mirrorguard.internal"
        return """
        # What Istio's Envoy runs for `mirrorguard config istio` (VirtualService mirror + ServiceEntry), as a
        # standalone bootstrap for testing outside a mesh. Istio writes mirrorPercentage 100.0 as 1,000,000 per
        # million; the copy's Host gets `-shadow` appended unless the route sets disable_shadow_host_suffix_append.
        static_resources:
          listeners:
          - name: virtualInbound
            address: { socket_address: { address: 0.0.0.0, port_value: \(options.listenPort) } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: inbound_\(options.listenPort)
                  use_remote_address: true
                  route_config:
                    name: "\(options.listenPort)"
                    virtual_hosts:
                    - name: "app.example.com:\(options.listenPort)"
                      domains: ["*"]
                      routes:
                      - name: default
                        match: { prefix: "/" }
                        route:
                          cluster: "outbound|\(options.backend.port)||app"
                          timeout: 0s
                          request_mirror_policies:
                          - cluster: "\(cluster)"
                            runtime_fraction: { default_value: { numerator: 1000000, denominator: MILLION } }
                            trace_sampled: false
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
          clusters:
          - name: "outbound|\(options.backend.port)||app"
            type: STRICT_DNS
            connect_timeout: 10s
            load_assignment:
              cluster_name: "outbound|\(options.backend.port)||app"
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: \(options.backend.host), port_value: \(options.backend.port) } } } }] }]
          - name: "\(cluster)"
            type: STRICT_DNS
            connect_timeout: 10s
            load_assignment:
              cluster_name: "\(cluster)"
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: \(options.node.host), port_value: \(options.node.port) } } } }] }]

        """
    }

    static func traefik(_ options: Options) -> String {
        """
        # MirrorGuard mirror for Traefik (dynamic configuration, file provider). Traefik mirrors the body too, but
        # skips copying bodies larger than maxBodySize (such requests reach the node without their body).
        # Static configuration to go with it (command line or traefik.yml):
        #   traefik --entryPoints.web.address=:\(options.listenPort) --providers.file.filename=mirrorguard-traefik.yaml
        # Traefik sends X-Forwarded-For/-Host/-Proto with the copy; it adds no request id.
        http:
          routers:
            app:
              rule: "PathPrefix(`/`)"
              service: app-mirrored
          services:
            app-mirrored:
              mirroring:
                service: backend
                mirrorBody: true
                maxBodySize: 1048576
                mirrors:
                - name: mirrorguard
                  percent: 100
            backend:
              loadBalancer:
                servers:
                - url: "http://\(options.backend)"
            mirrorguard:
              loadBalancer:
                servers:
                - url: "http://\(options.node)"

        """
    }

    /// The Lua of the Kong mirror, plain `ngx_lua` so it runs the same in Kong (OpenResty) and in NGINX with
    /// the Lua module (where the tests run it): the access phase keeps the body (up to 1 MiB), the log phase —
    /// after the client got its answer — sends the copy from a timer over a cosocket with short timeouts.
    public static func kongLua(_ options: Options) -> (access: String, log: String) {
        let access = """
        ngx.req.read_body()
        local body = ngx.req.get_body_data()
        if not body then
          -- Bodies over client_body_buffer_size wait in a temporary file.
          local path = ngx.req.get_body_file()
          local file = path and io.open(path, "rb")
          if file then body = file:read(1048577); file:close() end
        end
        if body and #body <= 1048576 then ngx.ctx.mirrorguard_body = body end
        """
        let log = """
        local node_host, node_port = "\(options.node.host)", \(options.node.port)
        local method, uri = ngx.req.get_method(), ngx.var.request_uri
        local headers, body = ngx.req.get_headers(100, true), ngx.ctx.mirrorguard_body or ""
        local client, host, request_id = ngx.var.remote_addr, ngx.var.http_host or ngx.var.host, ngx.var.request_id
        local scheme, server_addr, server_port = ngx.var.scheme, ngx.var.server_addr, ngx.var.server_port
        ngx.timer.at(0, function(premature)
          if premature then return end
          local sock = ngx.socket.tcp()
          sock:settimeouts(100, 1000, 1000)
          if not sock:connect(node_host, node_port) then return end
          local lines = { method .. " " .. uri .. " HTTP/1.1", "Host: " .. host, "X-Real-IP: " .. client,
                          "X-Forwarded-Proto: " .. scheme, "X-Server-Addr: " .. server_addr, "X-Server-Port: " .. server_port,
                          "Content-Length: " .. #body, "Connection: close" }
          if request_id then lines[#lines + 1] = "X-Request-ID: " .. request_id end
          local skip = { host = true, ["content-length"] = true, connection = true, ["transfer-encoding"] = true,
                         ["x-real-ip"] = true, ["x-request-id"] = true }
          for name, value in pairs(headers) do
            if not skip[name:lower()] then
              if type(value) == "table" then value = table.concat(value, ", ") end
              lines[#lines + 1] = name .. ": " .. value
            end
          end
          sock:send(table.concat(lines, "\\r\\n") .. "\\r\\n\\r\\n" .. body)
          sock:receive("*l")
          sock:close()
        end)
        """
        return (access, log)
    }

    static func kong(_ options: Options) -> String {
        let lua = kongLua(options)
        func indented(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { "            " + $0 }.joined(separator: "\n")
        }
        return """
        # MirrorGuard mirror for Kong (declarative). Kong OSS has no mirror plugin; this `post-function` keeps the
        # body in the access phase and sends the copy from the log phase in a timer, after the client got its
        # response, with 100 ms connect / 1 s send and read timeouts. Kong itself is not tested here (not
        # installable); the same Lua runs in the tests under NGINX with the Lua module (libnginx-mod-http-lua).
        # Bodies over 1 MiB are not copied (the copy arrives without its body). Plain ngx_lua, not the kong.*
        # PDK, so the tested code is this code.
        _format_version: "3.0"
        services:
        - name: app
          url: http://\(options.backend)
          routes:
          - name: app
            paths: ["/"]
          plugins:
          - name: post-function
            config:
              access:
              - |
        \(indented(lua.access))
              log:
              - |
        \(indented(lua.log))

        """
    }
}
