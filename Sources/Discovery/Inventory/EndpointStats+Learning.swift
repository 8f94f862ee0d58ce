import MirrorGuardCore

extension EndpointStats {
    /// Learns one request, or — once the endpoint is learned — counts it and reports how it deviates.
    mutating func learn(_ observation: RequestObservation, configuration: DiscoveryConfiguration, route: [RouteStep],
                        hits: inout [Hit], parameterBudget: inout Int) {
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
        let serial = requests
        let watching = isLearned && configuration.reportDeviations
        var unknown: [UInt64] = []
        for parameter in observation.parameters {
            // One hash lookup for a known name: update in place through the index.
            if let index = slots.index(forKey: parameter.fingerprint) {
                guard let key = slots.values[index].key else { continue }
                if isLearned {
                    Self.count(&slots.values[index].stats, serial: serial, time: time)
                    if watching, hits.count < configuration.maxDeviationsPerRequest,
                       let deviation = deviation(parameter, key: key, model: slots.values[index].stats, observation: observation, route: route) {
                        hits.append(deviation)
                    }
                } else {
                    let formats = ValueShape.formats(parameter.value)
                    let sensitive = SensitiveData.kinds(inValue: parameter.value, formats: formats, name: key.name)
                    Self.update(&slots.values[index].stats, with: parameter, formats: formats, sensitive: sensitive, serial: serial, time: time)
                }
                continue
            }
            guard let (key, isArray) = observation.key(of: parameter) else {
                if slots.count - parameterCount < Self.maxIgnoredNames { slots[parameter.fingerprint] = ParameterSlot(key: nil) }
                continue
            }
            if isLearned {
                if watching, hits.count < configuration.maxDeviationsPerRequest, !unknown.contains(parameter.fingerprint) {
                    unknown.append(parameter.fingerprint)
                    hits.append(HostInventory.deviation(.anomalyNewParameter, point: observation.pointName(of: parameter), value: parameter.value,
                                                        observation: observation, route: route,
                                                        reason: "\(key.location.rawValue) parameter \(key.name) was never seen on this learned endpoint"))
                }
                continue
            }
            guard parameterCount < Self.maxParameters, parameterBudget > 0 else { droppedParameters += 1; continue }
            parameterBudget -= 1
            var stats = ParameterStats()
            stats.sensitive = SensitiveData.kinds(forName: key.name)
            stats.isArray = isArray
            let formats = ValueShape.formats(parameter.value)
            let sensitive = SensitiveData.kinds(inValue: parameter.value, formats: formats, name: key.name)
            Self.update(&stats, with: parameter, formats: formats, sensitive: sensitive, serial: serial, time: time)
            slots[parameter.fingerprint] = ParameterSlot(key: key, stats: stats)
            parameterCount += 1
        }
        if watching {
            let missing = slots.values.compactMap { slot -> (ParameterKey, ParameterStats)? in
                guard let key = slot.key, key.location != .path, slot.stats.lastRequest != serial, isRequired(slot.stats) else { return nil }
                return (key, slot.stats)
            }
            for (key, stats) in missing.sorted(by: { $0.0 < $1.0 }) where hits.count < configuration.maxDeviationsPerRequest {
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

    /// Records one value into a parameter's statistics, in place.
    private static func update(_ stats: inout ParameterStats, with parameter: RequestObservation.Parameter,
                               formats: ValueFormats, sensitive: SensitiveKinds, serial: Int, time: Int64) {
        stats.record(parameter.value, formats: formats, at: time)
        count(&stats, serial: serial, time: time)
        if !sensitive.isEmpty { stats.sensitive.formUnion(sensitive) }
    }

    /// Counts a request carrying the parameter (once per request) without learning its value.
    private static func count(_ stats: inout ParameterStats, serial: Int, time: Int64) {
        if stats.lastRequest != serial {
            stats.requests += 1
            stats.lastRequest = serial
        }
        stats.lastSeen = max(stats.lastSeen, time)
    }

    /// How one value of a known parameter deviates from the learned model, if it does.
    private func deviation(_ parameter: RequestObservation.Parameter, key: ParameterKey, model: ParameterStats,
                           observation: RequestObservation, route: [RouteStep]) -> Hit? {
        let pointName = observation.pointName(of: parameter)
        let formats = ValueShape.formats(parameter.value)
        let expected: String?
        switch model.type {
        case .integer: expected = formats.contains(.integer) ? nil : "integer"
        case .number: expected = formats.contains(.number) ? nil : "number"
        case .boolean: expected = formats.contains(.boolean) ? nil : "boolean"
        case .string:
            if let (flag, name) = model.stringFormatFlag, !formats.contains(flag) { expected = "string (\(name))" } else { expected = nil }
        }
        if let expected {
            return HostInventory.deviation(.anomalyTypeViolation, point: pointName, value: parameter.value,
                                           observation: observation, route: route, reason: "expected \(expected)")
        }
        if let minimum = model.minimum, let maximum = model.maximum, let number = ValueShape.numberValue(parameter.value) {
            // Tolerance: ids grow and prices vary, so only a sign change or a jump past twice the learned
            // magnitude counts.
            let span = max(maximum - minimum, abs(maximum), 1)
            if (minimum >= 0 && number < 0) || number > maximum + span {
                return HostInventory.deviation(.anomalyOutOfRange, point: pointName, value: parameter.value,
                                               observation: observation, route: route,
                                               reason: "outside the learned range \(Self.format(minimum))…\(Self.format(maximum))")
            }
        }
        if model.type == .string, parameter.value.count > model.maxLength * 2 + 16 {
            return HostInventory.deviation(.anomalyOutOfRange, point: pointName, value: parameter.value,
                                           observation: observation, route: route,
                                           reason: "\(parameter.value.count) bytes, learned at most \(model.maxLength)")
        }
        if let values = model.enumValues, !values.contains(String(decoding: parameter.value, as: UTF8.self)) {
            return HostInventory.deviation(.anomalyOutOfRange, point: pointName, value: parameter.value,
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
