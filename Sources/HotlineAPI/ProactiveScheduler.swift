import Foundation
import HotlineCore
import HotlineStore
import Logging
import ServiceLifecycle

/// The reminder job of proactive governance, as a service beside the HTTP server: every `interval` it writes the
/// next occurrences of recurring tasks into the ledger and marks open ones past their due day
/// (``ProactiveTaskStore/tick(now:logger:)``). Several servers may run it: a run that finds another one holding
/// the lock does nothing. `hotline proactive-tick` runs the same thing once, for cron.
public struct ProactiveScheduler: Service {
    let store: ProactiveTaskStore
    let clock: WallClock
    let interval: Duration
    let logger: Logger

    public init(store: ProactiveTaskStore, clock: WallClock, interval: Duration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let result = try await store.tick(now: clock.now, logger: logger)
                    if result.occurrencesCreated > 0 || result.markedOverdue > 0 {
                        logger.info("proactive scheduler ran", metadata: [
                            "occurrences_created": "\(result.occurrencesCreated)", "marked_overdue": "\(result.markedOverdue)",
                        ])
                    }
                } catch {
                    // The next round tries again; the server keeps serving.
                    logger.error("proactive scheduler failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
