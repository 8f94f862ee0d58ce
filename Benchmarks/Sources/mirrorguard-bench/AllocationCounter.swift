#if canImport(Glibc)
import Glibc
#endif

/// Allocation counting through malloc-interposer when it is preloaded (`LD_PRELOAD`, the allocation pass of
/// `Benchmarks/run`). The benchmark does not link the interposer: linked, it would wrap every allocation of
/// the timing runs too (a header per block and an extra call), which costs about 3 % of the instructions of a
/// request. Its C entry points are found at run time instead; without the preload they are absent.
enum AllocationCounter {
    private typealias Action = @convention(c) () -> Void
    private typealias Statistics = @convention(c) (
        UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?,
        UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?
    ) -> Void

    private struct Entry {
        let enable: Action
        let disable: Action
        let reset: Action
        let statistics: Statistics
    }

    private static let entry: Entry? = {
        // RTLD_DEFAULT is a null handle on glibc.
        func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) }
        guard let enable = symbol("malloc_interposer_enable"), let disable = symbol("malloc_interposer_disable"),
              let reset = symbol("malloc_interposer_reset"), let statistics = symbol("malloc_interposer_get_stats") else { return nil }
        return Entry(
            enable: unsafeBitCast(enable, to: Action.self), disable: unsafeBitCast(disable, to: Action.self),
            reset: unsafeBitCast(reset, to: Action.self), statistics: unsafeBitCast(statistics, to: Statistics.self))
    }()

    /// True when the interposer is preloaded.
    static var isActive: Bool { entry != nil }

    /// Zeroes the counters and starts counting.
    static func start() {
        entry?.reset()
        entry?.enable()
    }

    /// Allocations counted since `start`, counting on.
    static var count: Int {
        // The interposer writes every counter: each needs a place.
        var mallocs: Int64 = 0, bytes: Int64 = 0, small: Int64 = 0, large: Int64 = 0, frees: Int64 = 0, freed: Int64 = 0
        entry?.statistics(&mallocs, &bytes, &small, &large, &frees, &freed)
        return Int(mallocs)
    }

    /// Stops counting.
    static func stop() {
        entry?.disable()
    }
}
