import Foundation
import MuelleCore
import Testing
import MuelleReaders

@Suite struct XMLRecordReaderTests {
    // MARK: Cdiscount / Octopia

    static let cdiscountOrderList = """
    <?xml version="1.0" encoding="utf-8"?>
    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
      <s:Body>
        <GetOrderListResponse xmlns="http://www.cdiscount.com">
          <GetOrderListResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
            <ErrorMessage i:nil="true"/>
            <OperationSuccess>true</OperationSuccess>
            <ErrorList/>
            <SellerLogin>boutique-lumiere</SellerLogin>
            <OrderList>
              <Order>
                <CreationDate>2026-11-02T09:15:22</CreationDate>
                <Customer>
                  <Civility>MME</Civility>
                  <Email>f.lefevre@example.fr</Email>
                  <FirstName>Françoise</FirstName>
                  <LastName>Lefèvre</LastName>
                  <MobilePhone>0612345678</MobilePhone>
                </Customer>
                <InitialTotalAmount>24.89</InitialTotalAmount>
                <OrderLineList>
                  <OrderLine>
                    <AcceptationState>AcceptedBySeller</AcceptationState>
                    <Name>Lampe de chevet en laiton</Name>
                    <ProductEan>3700123456789</ProductEan>
                    <PurchasePrice>19.90</PurchasePrice>
                    <Quantity>1</Quantity>
                    <SellerProductId>LAMP-LAITON-01</SellerProductId>
                    <Sku>LAMP-LAITON-01</Sku>
                  </OrderLine>
                </OrderLineList>
                <OrderNumber>2611020915ABCD</OrderNumber>
                <OrderState>WaitingForShipmentAcceptation</OrderState>
                <ShippingAddress>
                  <Address2 i:nil="true"/>
                  <City>Lyon</City>
                  <CompanyName i:nil="true"/>
                  <Country>FR</Country>
                  <RelayId i:nil="true"/>
                  <Street>12 rue des Lilas</Street>
                  <ZipCode>69003</ZipCode>
                </ShippingAddress>
                <ValidatedTotalAmount>24.89</ValidatedTotalAmount>
              </Order>
              <Order>
                <CreationDate>2026-11-02T10:01:50</CreationDate>
                <Customer>
                  <Civility>MLLE</Civility>
                  <Email>zoe.muller@example.de</Email>
                  <FirstName>Zoë</FirstName>
                  <LastName>Müller</LastName>
                  <MobilePhone i:nil="true"/>
                </Customer>
                <InitialTotalAmount>34.80</InitialTotalAmount>
                <OrderLineList>
                  <OrderLine>
                    <AcceptationState>AcceptedBySeller</AcceptationState>
                    <Name>Bougie parfumée « Figuier »</Name>
                    <ProductEan>3700987654321</ProductEan>
                    <PurchasePrice>14.95</PurchasePrice>
                    <Quantity>2</Quantity>
                    <SellerProductId>BOUGIE-FIG</SellerProductId>
                    <Sku>BOUGIE-FIG</Sku>
                  </OrderLine>
                  <OrderLine>
                    <AcceptationState>AcceptedBySeller</AcceptationState>
                    <Name>Frais de traitement</Name>
                    <ProductEan i:nil="true"/>
                    <PurchasePrice>4.90</PurchasePrice>
                    <Quantity>1</Quantity>
                    <SellerProductId>FRAISTRAITEMENT</SellerProductId>
                    <Sku>FRAISTRAITEMENT</Sku>
                  </OrderLine>
                </OrderLineList>
                <OrderNumber>2611021001EFGH</OrderNumber>
                <OrderState>WaitingForShipmentAcceptation</OrderState>
                <ShippingAddress>
                  <Address2>Bâtiment B</Address2>
                  <City>Straßburg &amp; Kehl</City>
                  <CompanyName></CompanyName>
                  <Country>FR</Country>
                  <RelayId>0F1234</RelayId>
                  <Street>5 quai Kl&#233;ber</Street>
                  <ZipCode>67000</ZipCode>
                </ShippingAddress>
                <ValidatedTotalAmount>34.80</ValidatedTotalAmount>
              </Order>
              <Order>
                <CreationDate>2026-11-01T18:30:00</CreationDate>
                <Customer i:nil="true"/>
                <InitialTotalAmount>19.90</InitialTotalAmount>
                <OrderLineList/>
                <OrderNumber>2611011830IJKL</OrderNumber>
                <OrderState>CancelledByCustomer</OrderState>
                <ShippingAddress i:nil="true"/>
                <ValidatedTotalAmount>0.00</ValidatedTotalAmount>
              </Order>
            </OrderList>
            <TokenId>a1b2c3d4</TokenId>
          </GetOrderListResult>
        </GetOrderListResponse>
      </s:Body>
    </s:Envelope>
    """

    @Test func cdiscountOrderListYieldsEachOrderAsExactValues() throws {
        let records = try readAll(Self.cdiscountOrderList, recordPath: ["OrderList", "Order"])
        try #require(records.count == 3)

        func line(_ pairs: [(String, Value)]) -> Value { .object(pairs) }
        let first: Value = .object([
            ("CreationDate", .string("2026-11-02T09:15:22")),
            ("Customer", .object([
                ("Civility", .string("MME")), ("Email", .string("f.lefevre@example.fr")),
                ("FirstName", .string("Françoise")), ("LastName", .string("Lefèvre")),
                ("MobilePhone", .string("0612345678")),
            ])),
            ("InitialTotalAmount", .string("24.89")),
            // One OrderLine stays an object: only repeated children become arrays (as xmltodict does).
            ("OrderLineList", .object([("OrderLine", line([
                ("AcceptationState", .string("AcceptedBySeller")), ("Name", .string("Lampe de chevet en laiton")),
                ("ProductEan", .string("3700123456789")), ("PurchasePrice", .string("19.90")),
                ("Quantity", .string("1")), ("SellerProductId", .string("LAMP-LAITON-01")),
                ("Sku", .string("LAMP-LAITON-01")),
            ]))])),
            ("OrderNumber", .string("2611020915ABCD")),
            ("OrderState", .string("WaitingForShipmentAcceptation")),
            ("ShippingAddress", .object([
                ("Address2", .null), ("City", .string("Lyon")), ("CompanyName", .null), ("Country", .string("FR")),
                ("RelayId", .null), ("Street", .string("12 rue des Lilas")), ("ZipCode", .string("69003")),
            ])),
            ("ValidatedTotalAmount", .string("24.89")),
        ])
        let second: Value = .object([
            ("CreationDate", .string("2026-11-02T10:01:50")),
            ("Customer", .object([
                ("Civility", .string("MLLE")), ("Email", .string("zoe.muller@example.de")),
                ("FirstName", .string("Zoë")), ("LastName", .string("Müller")), ("MobilePhone", .null),
            ])),
            ("InitialTotalAmount", .string("34.80")),
            ("OrderLineList", .object([("OrderLine", .array([
                line([
                    ("AcceptationState", .string("AcceptedBySeller")), ("Name", .string("Bougie parfumée « Figuier »")),
                    ("ProductEan", .string("3700987654321")), ("PurchasePrice", .string("14.95")),
                    ("Quantity", .string("2")), ("SellerProductId", .string("BOUGIE-FIG")), ("Sku", .string("BOUGIE-FIG")),
                ]),
                line([
                    ("AcceptationState", .string("AcceptedBySeller")), ("Name", .string("Frais de traitement")),
                    ("ProductEan", .null), ("PurchasePrice", .string("4.90")), ("Quantity", .string("1")),
                    ("SellerProductId", .string("FRAISTRAITEMENT")), ("Sku", .string("FRAISTRAITEMENT")),
                ]),
            ]))])),
            ("OrderNumber", .string("2611021001EFGH")),
            ("OrderState", .string("WaitingForShipmentAcceptation")),
            ("ShippingAddress", .object([
                ("Address2", .string("Bâtiment B")), ("City", .string("Straßburg & Kehl")), ("CompanyName", .string("")),
                ("Country", .string("FR")), ("RelayId", .string("0F1234")), ("Street", .string("5 quai Kléber")),
                ("ZipCode", .string("67000")),
            ])),
            ("ValidatedTotalAmount", .string("34.80")),
        ])
        let third: Value = .object([
            ("CreationDate", .string("2026-11-01T18:30:00")),
            ("Customer", .null),
            ("InitialTotalAmount", .string("19.90")),
            ("OrderLineList", .string("")),
            ("OrderNumber", .string("2611011830IJKL")),
            ("OrderState", .string("CancelledByCustomer")),
            ("ShippingAddress", .null),
            ("ValidatedTotalAmount", .string("0.00")),
        ])
        #expect(records[0].value == first)
        #expect(records[1].value == second)
        #expect(records[2].value == third)

        let orderLines = Self.lineNumbers(of: "<Order>", in: Self.cdiscountOrderList)
        #expect(records.map(\.position.line) == orderLines)
        #expect(records.map(\.position.record) == [1, 2, 3])
        #expect(records.allSatisfy { $0.position.file == "orders.xml" })
    }

    @Test func recordPathMatchesTheEndOfTheOpenElementPath() throws {
        let xml = """
        <Export>
          <Archive><Order><Id>old</Id></Order></Archive>
          <OrderList>
            <Order><Id>1</Id><Order><Id>nested</Id></Order></Order>
            <Order><Id>2</Id></Order>
          </OrderList>
        </Export>
        """
        let underList = try readAll(xml, recordPath: ["OrderList", "Order"])
        #expect(underList.map { $0.value["Id"] } == [.string("1"), .string("2")])

        // Any Order outside a record; the nested one stays inside its record.
        let anywhere = try readAll(xml, recordPath: ["Order"])
        #expect(anywhere.map { $0.value["Id"] } == [.string("old"), .string("1"), .string("2")])
        try #require(anywhere.count == 3)
        #expect(anywhere[1].value["Order"] == .object([("Id", .string("nested"))]))
    }

    @Test func anEmptyListIsNoRecordsButADocumentWithoutTheListIsAnotherKindOfFile() throws {
        let soap = "<s:Envelope xmlns:s=\"urn:s\"><s:Body><GetOrderListResult><OrderList/></GetOrderListResult></s:Body></s:Envelope>"
        #expect(try readAll(soap, recordPath: ["OrderList", "Order"]).isEmpty)
        #expect(try readAll("<x><a><b/></a></x>", recordPath: ["x", "a", "b"]).count == 1)

        let wrongFile = try readError("<prestashop>\n  <orders><order><id>1</id></order></orders>\n</prestashop>\n",
                                      recordPath: ["OrderList", "Order"])
        #expect(wrongFile.code == .malformedXML)
        #expect(wrongFile.position.field == "OrderList/Order")
        #expect(wrongFile.message.contains("the document has no <OrderList> to hold the records"), "\(wrongFile.message)")
        // The holder must sit where the path puts it: <b> outside an <a> holds nothing.
        let misplaced = try readError("<x><b><c/></b></x>", recordPath: ["a", "b", "c"])
        #expect(misplaced.message.contains("no <b> inside <a>"), "\(misplaced.message)")
        // A one-element path names no holder: any document may simply have none.
        #expect(try readAll("<feed/>", recordPath: ["item"]).isEmpty)
    }

    // MARK: Element conversion

    @Test func attributesBecomeAtKeysAndTextMixedInBecomesHashText() throws {
        let xml = """
        <Items>
          <Item id="A-1" xmlns:x="urn:x" x:kind="lamp">
            <Price currency="EUR">19.90</Price>
            <Tag>new</Tag>
            <Tag>sale</Tag>
            <Note>  keep  my   spaces </Note>
            <Blank>   </Blank>
            <Empty/>
            <Also></Also>
          </Item>
          <Item id="A-2">loose text<b>bold</b> tail</Item>
          <Item id="A-3"/>
        </Items>
        """
        let records = try readAll(xml, recordPath: ["Item"])
        try #require(records.count == 3)
        #expect(records[0].value == .object([
            ("@id", .string("A-1")),
            ("@kind", .string("lamp")),
            ("Price", .object([("@currency", .string("EUR")), ("#text", .string("19.90"))])),
            ("Tag", .array([.string("new"), .string("sale")])),
            ("Note", .string("  keep  my   spaces ")),
            ("Blank", .string("   ")),
            ("Empty", .string("")),
            ("Also", .string("")),
        ]))
        #expect(records[1].value == .object([
            ("@id", .string("A-2")), ("b", .string("bold")), ("#text", .string("loose text tail")),
        ]))
        #expect(records[2].value == .object([("@id", .string("A-3"))]))
    }

    @Test func cdataIsTextAndRepeatedChildrenKeepFirstOccurrenceOrder() throws {
        let xml = """
        <r><rec><a>1</a><b><![CDATA[<b>5 < 6 & "quoted"</b>]]></b><a>2</a><c>x<![CDATA[y]]>z</c><a>3</a></rec></r>
        """
        let records = try readAll(xml, recordPath: ["rec"])
        #expect(records.first?.value == .object([
            ("a", .array([.string("1"), .string("2"), .string("3")])),
            ("b", .string("<b>5 < 6 & \"quoted\"</b>")),
            ("c", .string("xyz")),
        ]))
    }

    @Test func namespacesAndPrefixesAreIgnored() throws {
        let xml = """
        <?xml version="1.0"?>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:orders"
                       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <soap:Body><o:Orders><o:Order o:id="7"><o:Total xsi:nil="true"/><Ref xmlns="urn:other">R7</Ref>
          <nil>not the xsi attribute</nil><Flag nil="true">plain attribute</Flag></o:Order></o:Orders></soap:Body>
        </soap:Envelope>
        """
        let records = try readAll(xml, recordPath: ["Orders", "Order"])
        #expect(records.first?.value == .object([
            ("@id", .string("7")), ("Total", .null), ("Ref", .string("R7")),
            ("nil", .string("not the xsi attribute")),
            ("Flag", .object([("@nil", .string("true")), ("#text", .string("plain attribute"))])),
        ]))
    }

    @Test func recordPositionsAreTheStartTagLines() throws {
        let xml = "<list>\n<rec>1</rec>\n\n<rec\n  id=\"2\">2</rec><rec>3</rec>\n<!-- note -->\n<rec/>\n</list>\n"
        let records = try readAll(xml, recordPath: ["list", "rec"])
        #expect(records.map(\.position.record) == [1, 2, 3, 4])
        // libxml2 numbers an element by the line its start tag ends on.
        #expect(records.map(\.position.line) == [2, 5, 5, 7])
    }

    @Test func recordPositionsPastLine65535AreStillTheStartTagLines() throws {
        // libxml2 keeps a tree node's line in 16 bits; records far down a large export must still name
        // their own line, not where the parser had got to.
        var xml = "<list>\n" + String(repeating: "<!-- filler -->\n", count: 70_000)
        for n in 1...40 { xml += "<rec><id>\(n)</id><note>\(String(repeating: "x", count: 200))</note></rec>\n" }
        xml += "</list>\n"
        let records = try readAll(xml, recordPath: ["list", "rec"])
        #expect(records.count == 40)
        #expect(records.map(\.position.line) == Array(70_002...70_041))
    }

    // MARK: Errors

    @Test func mismatchedTagIsMalformedWithItsLine() throws {
        // The first record is longer than libxml2's 512-byte push chunk, so the reader gets to it before
        // the parser reaches the error.
        let padding = String(repeating: "x", count: 2_000)
        let xml = "<list>\n  <rec><a>1</a><pad>\(padding)</pad></rec>\n  <rec>\n    <a>2</b></rec>\n</list>\n"
        try withFile(xml) { path in
            let reader = try XMLRecordReader(path: path, fileName: "bad.xml", recordPath: ["rec"])
            // The record wholly before the error is delivered; the one it breaks is not.
            #expect(try reader.next()?.value == .object([("a", .string("1")), ("pad", .string(padding))]))
            let error = try #require(throws: MuelleError.self) { try reader.next() }
            #expect(error.code == .malformedXML)
            #expect(error.message == "Opening and ending tag mismatch: a line 4 and b")
            #expect(error.position == InputPosition(file: "bad.xml", record: 2, line: 4, column: 13))
            // A failed reader keeps failing instead of resuming mid-document.
            #expect(throws: MuelleError.self) { try reader.next() }
        }
    }

    @Test func errorInTheFirstChunkHasALineButNoRecord() throws {
        let error = try readError("<list>\n  <rec><a>1</a></rec>\n  <rec><a>2</b></rec>\n</list>\n", recordPath: ["rec"])
        #expect(error.code == .malformedXML)
        #expect(error.position == InputPosition(file: "test.xml", line: 3, column: 16))
    }

    @Test(arguments: [
        "<list><rec><a>1</a></rec><rec><a>2</a>",
        "<list>\n  <rec><a>1</a></rec>\n  <rec><a>2</a>\n",
        "<list>\n  <rec><a>1</a></rec>\n  <rec><a>Ana P",
        "<list>\n  <rec><a>1</a></rec>\n  <rec><a x=\"1",
        "<list>\n  <rec><a>1</a></rec>\n  <rec><a>2</a></rec>\n</li",
        "<list>\n  <rec><a>1</a></rec>\n  <rec><a>2</a></rec>\n",
        "<?xml version=\"1.0\"?>\n<li",
        "",
    ])
    func aDocumentThatStopsEarlyIsIncomplete(xml: String) throws {
        let error = try readError(xml, recordPath: ["rec"])
        #expect(error.code == .incomplete, "\(error)")
    }

    @Test(arguments: [
        "<list><rec><a>1</a></rec></list>\n<extra>",
        "<OrderList><Order></OrderList>",
        "<list>\n  <rec><a>1</b></rec>\n</list>\n",
    ])
    func mistakesAtTheEndAreMalformedNotIncomplete(xml: String) throws {
        let error = try readError(xml, recordPath: ["rec"])
        #expect(error.code == .malformedXML, "\(error)")
    }

    @Test func libxml2MessagesQuotingALongNameAreCut() throws {
        // libxml2 quotes the element name in its message; a 5,000-character name must not make a 5 KB
        // error line, error file and report (the fuzzer found this with a long namespace URI).
        let name = String(repeating: "n", count: 5_000)
        let error = try readError("<list>\n  <rec><\(name)>1</b></rec>\n</list>\n", recordPath: ["rec"])
        #expect(error.code == .malformedXML)
        #expect(error.message.hasPrefix("Opening and ending tag mismatch: nnn"))
        #expect(error.message.utf8.count < 400, "\(error.message.utf8.count) bytes")
        #expect(error.message.hasSuffix("(libxml2's message of 5046 bytes, cut)"), "\(error.message.suffix(80))")
    }

    @Test func undefinedEntityWithoutDTDIsMalformed() throws {
        let error = try readError("<list>\n<rec><a>&foo;</a></rec>\n</list>", recordPath: ["rec"])
        #expect(error.code == .malformedXML)
        #expect(error.message.contains("foo"))
        #expect(error.position.line == 2)
    }

    @Test func externalEntityIsRefusedBeforeAnythingIsRead() throws {
        let xml = """
        <?xml version="1.0"?>
        <!-- an innocent comment first -->
        <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
        <list><rec><a>&e;</a></rec></list>
        """
        let error = try readError(xml, recordPath: ["rec"])
        #expect(error == MuelleError(.forbiddenXML, "the document declares a DTD (<!DOCTYPE>); DTDs and entities are refused for safety",
                                     at: InputPosition(file: "test.xml", line: 3, column: 1)))
        let secret = try String(contentsOfFile: "/etc/passwd", encoding: .utf8).split(separator: "\n").first.map(String.init) ?? "root:"
        #expect(!error.description.contains(secret))
    }

    @Test func billionLaughsIsRefused() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        var previous = "lol"
        for level in 1...9 {
            xml += " <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
            previous = "lol\(level)"
        }
        xml += "]>\n<lolz><rec>&lol9;</rec></lolz>\n"
        let error = try readError(xml, recordPath: ["rec"])
        #expect(error.code == .forbiddenXML)
        #expect(error.position.line == 2)
    }

    @Test func doctypeInUTF16IsRefused() throws {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<list><rec>&e;</rec></list>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in xml.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let error = try readError(Data(bytes), recordPath: ["rec"])
        #expect(error.code == .forbiddenXML)
        #expect(error.position.line == 2)
    }

    @Test func doctypeHiddenByAnEncodingTheGuardCannotReadIsStillRefused() throws {
        // In UTF-7, `+ADw-` is `<`: the byte guard sees no `<!DOCTYPE`, the parsed tree does.
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY e SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-\n<list><rec>&e;</rec></list>\n"
        let error = try readError(xml, recordPath: ["rec"])
        #expect(error.code == .forbiddenXML)
        #expect(error.message == "the document declares a DTD (<!DOCTYPE>); DTDs and entities are refused for safety")
    }

    @Test func doctypeTextInsideACommentOrRecordIsNotADTD() throws {
        let xml = "<?xml version=\"1.0\"?>\n<!-- <!DOCTYPE x> -->\n<list><rec><![CDATA[<!DOCTYPE y>]]></rec></list>"
        #expect(try readAll(xml, recordPath: ["rec"]).map(\.value) == [.string("<!DOCTYPE y>")])
    }

    @Test func symlinksAndMissingFilesAreIOErrors() throws {
        try withFile("<list><rec>1</rec></list>") { path in
            let link = path + ".link"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
            defer { try? FileManager.default.removeItem(atPath: link) }
            let error = try #require(throws: MuelleError.self) {
                _ = try XMLRecordReader(path: link, fileName: "link.xml", recordPath: ["rec"])
            }
            #expect(error.code == .io)
        }
        let missing = try #require(throws: MuelleError.self) {
            _ = try XMLRecordReader(path: "/nonexistent/orders.xml", fileName: "orders.xml", recordPath: ["rec"])
        }
        #expect(missing.code == .io)
    }

    @Test func openThroughRecordReadersUsesTheXMLReader() throws {
        try withFile("<list><rec>1</rec></list>") { path in
            let reader = try RecordReaders.open(path: path, fileName: "f.xml", options: .xml(recordPath: ["rec"]))
            #expect(try reader.next()?.value == .string("1"))
            #expect(try reader.next() == nil)
            #expect(try reader.next() == nil)
        }
    }

    // MARK: Streaming

    @Test func largeFileStreamsEveryRecord() throws {
        let count = 50_000
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-xml-\(UUID().uuidString).xml")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.write(contentsOf: Data("<?xml version=\"1.0\"?>\n<OrderList xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\n".utf8))
        var chunk = ""
        for n in 1...count {
            chunk += "  <Order id=\"\(n)\">\n    <OrderNumber>N\(n)</OrderNumber>\n    <Comment i:nil=\"true\"/>\n"
            chunk += "    <OrderLineList><OrderLine><Sku>S\(n % 97)</Sku><PurchasePrice>\(n).99</PurchasePrice></OrderLine></OrderLineList>\n  </Order>\n"
            if n % 1_000 == 0 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data("</OrderList>\n".utf8))
        try handle.close()

        let reader = try XMLRecordReader(path: url.path, fileName: "big.xml", recordPath: ["OrderList", "Order"])
        var seen = 0
        var last: SourceRecord?
        while let record = try reader.next() {
            seen += 1
            if record.value["OrderNumber"] != .string("N\(seen)") { Issue.record("record \(seen) out of order"); break }
            last = record
        }
        #expect(seen == count)
        #expect(last?.position.record == count)
        #expect(last?.value["Comment"] == .null)
        #expect(last?.value["OrderLineList"]?["OrderLine"]?["PurchasePrice"] == .string("\(count).99"))
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(reader.bytesRead > size / 2)
    }

    // MARK: Helpers

    static func lineNumbers(of needle: String, in text: String) -> [Int] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.contains(needle) }.map { $0.offset + 1 }
    }

    private func withFile<T>(_ contents: String, _ body: (String) throws -> T) throws -> T {
        try withFile(Data(contents.utf8), body)
    }

    private func withFile<T>(_ contents: Data, _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-xml-\(UUID().uuidString).xml")
        try contents.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    private func readAll(_ xml: String, recordPath: [String]) throws -> [SourceRecord] {
        try withFile(xml) { path in
            let reader = try XMLRecordReader(path: path, fileName: "orders.xml", recordPath: recordPath)
            var records: [SourceRecord] = []
            while let record = try reader.next() { records.append(record) }
            return records
        }
    }

    private func readError(_ xml: String, recordPath: [String]) throws -> MuelleError {
        try readError(Data(xml.utf8), recordPath: recordPath)
    }

    private func readError(_ xml: Data, recordPath: [String]) throws -> MuelleError {
        try withFile(xml) { path in
            try #require(throws: MuelleError.self) {
                let reader = try XMLRecordReader(path: path, fileName: "test.xml", recordPath: recordPath)
                while try reader.next() != nil {}
            }
        }
    }
}
