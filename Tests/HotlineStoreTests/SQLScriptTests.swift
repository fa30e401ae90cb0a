import HotlineStore
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnTopLevelSemicolons() {
        #expect(SQLScript.split("SELECT 1; SELECT 2;\nSELECT 3") == ["SELECT 1", "SELECT 2", "SELECT 3"])
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1; -- a semicolon inside
                RETURN 2;
            END
            $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' || $$;$$ $body$;
            SELECT 3;
            """
        let statements = SQLScript.split(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasPrefix("CREATE FUNCTION f()"))
        #expect(statements[0].hasSuffix("$$"))
        #expect(statements[1] == "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' || $$;$$ $body$")
        #expect(statements[2] == "SELECT 3")
    }

    @Test func quotesAndIdentifiersHideSemicolons() {
        let script = #"INSERT INTO t VALUES ('it''s; fine', E'back\'slash;', "odd;name"); SELECT 1"#
        #expect(SQLScript.split(script) == [#"INSERT INTO t VALUES ('it''s; fine', E'back\'slash;', "odd;name")"#, "SELECT 1"])
    }

    @Test func commentsHideSemicolonsAndCommentOnlyPartsAreDropped() {
        let script = """
            -- header; with a semicolon
            /* block; /* nested; */ still comment; */
            SELECT 1; -- trailing;
            -- only a comment here;
            ;
            """
        #expect(SQLScript.split(script) == ["""
            -- header; with a semicolon
            /* block; /* nested; */ still comment; */
            SELECT 1
            """])
    }

    @Test func positionalParametersAndDollarInNamesAreNotQuotes() {
        #expect(SQLScript.split("PREPARE p AS SELECT $1; SELECT a$b FROM t; SELECT 2")
            == ["PREPARE p AS SELECT $1", "SELECT a$b FROM t", "SELECT 2"])
    }

    @Test func anUnterminatedQuoteKeepsTheRestTogether() {
        // The server will report the syntax error; the splitter must not invent statement boundaries.
        #expect(SQLScript.split("SELECT 'open; SELECT 2").count == 1)
    }
}
