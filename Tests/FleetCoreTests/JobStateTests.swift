import Testing
@testable import FleetCore

@Test func jobStatesAreOrderedThroughTheMiddleState() {
    #expect(JobState.inactive < .loaded)
    #expect(JobState.loaded < .launched)
    #expect(JobState(rawValue: "launched") == .launched)
    #expect(JobState(rawValue: "running") == nil)
}
