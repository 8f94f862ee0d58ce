import MirrorGuardCore

extension EndpointStats {
    /// Learns one request, or — once the endpoint is learned — counts it and reports how it deviates.
    mutating func learn(_ observation: RequestObservation, configuration: DiscoveryConfiguration, route: [RouteStep],
                        hits: inout [Hit]) {
        let time = observation.time
        requests += 1
        firstSeen = min(firstSeen, time)
        lastSeen = max(lastSeen, time)
        for (bit, scheme) in AuthSchemes.names.enumerated() where observation.auth.contains(scheme.0) {
            authCounts[UInt8(bit), default: 0] += 1
        }
        if let mediaType = observation.mediaType, mediaTypes[mediaType] != nil || mediaTypes.count < 8 {
            mediaTypes[mediaType, default: 0] += 1
        }
        var seen = Set<ParameterKey>()
        let watching = isLearned && configuration.reportDeviations
        for parameter in observation.parameters {
            let firstInRequest = seen.insert(parameter.key).inserted
            if isLearned {
                if var known = parameters[parameter.key] {
                    if firstInRequest { known.requests += 1 }
                    known.lastSeen = max(known.lastSeen, time)
                    parameters[parameter.key] = known
                }
                if watching, hits.count < configuration.maxDeviationsPerRequest,
                   let deviation = deviation(parameter, firstInRequest: firstInRequest, observation: observation, route: route) {
                    hits.append(deviation)
                }
                continue
            }
            if parameters[parameter.key] == nil {
                guard parameters.count < Self.maxParameters else { droppedParameters += 1; continue }
                var stats = ParameterStats()
                stats.sensitive = SensitiveData.kinds(forName: parameter.key.name)
                parameters[parameter.key] = stats
            }
            let sensitive = SensitiveData.kinds(inValue: parameter.value, formats: parameter.formats, name: parameter.key.name)
            parameters[parameter.key, default: ParameterStats()].record(parameter.value, formats: parameter.formats, at: time)
            if firstInRequest { parameters[parameter.key]?.requests += 1 }
            if !sensitive.isEmpty { parameters[parameter.key]?.sensitive.formUnion(sensitive) }
            if parameter.isArrayElement { parameters[parameter.key]?.isArray = true }
        }
        if watching {
            for (key, stats) in parameters.sorted(by: { $0.key < $1.key })
            where hits.count < configuration.maxDeviationsPerRequest && !seen.contains(key) && isRequired(stats) {
                hits.append(HostInventory.deviation(.anomalyMissingParameter, point: key.pointPrefix, value: [],
                                                    observation: observation, route: route,
                                                    reason: "required \(key.location.rawValue) parameter \(key.name) is missing (carried by \(stats.requests) of \(requests - 1) requests)"))
            }
        }
        if !isLearned, requests >= configuration.learnedAfterRequests,
           lastSeen - firstSeen >= configuration.learnedAfterSeconds * 1_000_000_000 {
            isLearned = true
        }
    }

    /// How one parameter value deviates from the learned model, if it does.
    private func deviation(_ parameter: RequestObservation.Parameter, firstInRequest: Bool, observation: RequestObservation,
                           route: [RouteStep]) -> Hit? {
        guard let model = parameters[parameter.key] else {
            guard firstInRequest else { return nil }
            return HostInventory.deviation(.anomalyNewParameter, point: parameter.pointName, value: parameter.value,
                                           observation: observation, route: route,
                                           reason: "\(parameter.key.location.rawValue) parameter \(parameter.key.name) was never seen on this learned endpoint")
        }
        let formats = parameter.formats
        let expected: String?
        switch model.type {
        case .integer: expected = formats.contains(.integer) ? nil : "integer"
        case .number: expected = formats.contains(.number) ? nil : "number"
        case .boolean: expected = formats.contains(.boolean) ? nil : "boolean"
        case .string:
            if let (flag, name) = model.stringFormatFlag, !formats.contains(flag) { expected = "string (\(name))" } else { expected = nil }
        }
        if let expected {
            return HostInventory.deviation(.anomalyTypeViolation, point: parameter.pointName, value: parameter.value,
                                           observation: observation, route: route, reason: "expected \(expected)")
        }
        if let minimum = model.minimum, let maximum = model.maximum, let number = ValueShape.numberValue(parameter.value) {
            // Tolerance: ids grow and prices vary, so only a sign change or a jump past twice the learned
            // magnitude counts.
            let span = max(maximum - minimum, abs(maximum), 1)
            if (minimum >= 0 && number < 0) || number > maximum + span {
                return HostInventory.deviation(.anomalyOutOfRange, point: parameter.pointName, value: parameter.value,
                                               observation: observation, route: route,
                                               reason: "outside the learned range \(Self.format(minimum))…\(Self.format(maximum))")
            }
        }
        if model.type == .string, parameter.value.count > model.maxLength * 2 + 16 {
            return HostInventory.deviation(.anomalyOutOfRange, point: parameter.pointName, value: parameter.value,
                                           observation: observation, route: route,
                                           reason: "\(parameter.value.count) bytes, learned at most \(model.maxLength)")
        }
        if let values = model.enumValues, !values.contains(String(decoding: parameter.value, as: UTF8.self)) {
            return HostInventory.deviation(.anomalyOutOfRange, point: parameter.pointName, value: parameter.value,
                                           observation: observation, route: route,
                                           reason: "not one of the learned values \(values.joined(separator: ", "))")
        }
        return nil
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

extension ParameterKey {
    /// The point-name prefix of this parameter's location (`query.page`, `body.json.user.id`).
    var pointPrefix: String {
        switch location {
        case .path: "path.\(name)"
        case .query: "query.\(name)"
        case .header: "header.\(name)"
        case .cookie: "cookie.\(name)"
        case .form: "body.form.\(name)"
        case .json: "body.json.\(name)"
        case .multipart: "body.multipart.\(name)"
        }
    }
}
