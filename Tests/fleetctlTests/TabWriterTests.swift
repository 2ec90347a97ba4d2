import Testing
@testable import fleetctl

@Suite struct TabWriterTests {
    @Test func columnsArePaddedWithTabsToMultiplesOfEight() {
        var writer = TabWriter()
        writer.add("UNIT\tMACHINE\tACTIVE")
        writer.add("hello.service\t113f16a7.../10.0.0.3\tactive")
        // UNIT column: 13 + 1 = 14 → 16; MACHINE column: 20 + 1 = 21 → 24.
        #expect(writer.render() == "UNIT\t\tMACHINE\t\t\tACTIVE\nhello.service\t113f16a7.../10.0.0.3\tactive\n")
    }

    @Test func aLineWithoutTabsEndsTheColumnBlock() {
        var writer = TabWriter()
        writer.add("a\tb")
        writer.add("a-much-longer-cell")
        writer.add("x\ty")
        #expect(writer.render() == "a\tb\na-much-longer-cell\nx\ty\n")
    }

    @Test func cellsOfExactlySevenCharactersNeedTwoTabs() {
        var writer = TabWriter()
        writer.add("1234567\tz")
        writer.add("12345678\tz")
        // widest 8 + 1 = 9 → 16: "1234567" gets ceil(9/8) = 2 tabs, "12345678" gets 1.
        #expect(writer.render() == "1234567\t\tz\n12345678\tz\n")
    }

    @Test func lastCellIsNotPaddedAndWidthCountsCharacters() {
        var writer = TabWriter()
        writer.add(cells: ["é", "x"])
        writer.add(cells: ["ab", ""])
        #expect(writer.render() == "é\tx\nab\t\n")
    }
}
