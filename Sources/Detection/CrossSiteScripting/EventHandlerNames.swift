import MirrorGuardCore

/// DOM and legacy event-handler attribute names (HTML, SVG/SMIL, old IE). Used where a bare `onX=` could be
/// program text (`const onReaddir = (er) =>`): there only real event names count. Inside a tag any `on*` does.
enum EventHandlerNames {
    private static let names: Set<[UInt8]> = Set("""
    onabort onactivate onafterprint onafterscriptexecute onafterupdate onanimationcancel onanimationend onanimationiteration \
    onanimationstart onauxclick onbeforeactivate onbeforecopy onbeforecut onbeforedeactivate onbeforeeditfocus onbeforeinput \
    onbeforepaste onbeforeprint onbeforescriptexecute onbeforetoggle onbeforeunload onbeforeupdate onbegin onblur onbounce \
    oncancel oncanplay oncanplaythrough oncellchange onchange onclick onclose oncontentvisibilityautostatechange oncontextlost \
    oncontextmenu oncontextrestored oncontrolselect oncopy oncuechange oncut ondataavailable ondatasetchanged ondatasetcomplete \
    ondblclick ondeactivate ondrag ondragend ondragenter ondragexit ondragleave ondragover ondragstart ondrop ondurationchange \
    onemptied onend onended onerror onerrorupdate onfilterchange onfinish onfocus onfocusin onfocusout onformdata \
    onfullscreenchange onfullscreenerror ongotpointercapture onhashchange onhelp oninput oninvalid onkeydown onkeypress onkeyup \
    onlayoutcomplete onload onloadeddata onloadedmetadata onloadend onloadstart onlosecapture onlostpointercapture onmessage \
    onmessageerror onmousedown onmouseenter onmouseleave onmousemove onmouseout onmouseover onmouseup onmousewheel onmove \
    onmoveend onmovestart onoffline ononline onpagehide onpageshow onpaste onpause onplay onplaying onpointercancel \
    onpointerdown onpointerenter onpointerleave onpointermove onpointerout onpointerover onpointerrawupdate onpointerup \
    onpopstate onprogress onpropertychange onratechange onreadystatechange onrepeat onreset onresize onresizeend onresizestart \
    onrowenter onrowexit onrowsdelete onrowsinserted onscroll onscrollend onsearch onsecuritypolicyviolation onseeked onseeking \
    onselect onselectionchange onselectstart onshow onslotchange onstalled onstart onstop onstorage onsubmit onsuspend \
    ontimeupdate ontoggle ontouchcancel ontouchend ontouchmove ontouchstart ontransitioncancel ontransitionend ontransitionrun \
    ontransitionstart onunhandledrejection onunload onvisibilitychange onvolumechange onwaiting onwebkitanimationend \
    onwebkitanimationiteration onwebkitanimationstart onwebkittransitionend onwheel
    """.split(separator: " ").map { Array($0.utf8) })

    /// True for a known event-handler attribute name (any case).
    static func contains(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count <= 40 else { return false }
        return names.contains(name.map(ASCII.lower))
    }
}
