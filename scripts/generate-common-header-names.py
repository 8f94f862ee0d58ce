#!/usr/bin/env python3
"""Writes the literal tables of CommonHeaderNames (Sources/RequestParsing/Points/HeaderPointNames.swift): names, point
names, each name as four words (the offsets and lowercasing of `CommonHeaderNames.key(of:)`), lengths, and the slots of
`slot(of:count:)` (the same multiply-xor hash). Prints Swift to paste over the tables; prints the cookie and
authorization indices to standard error."""
# The common field names, lowercase (CommonHeaderNames.names).
names = ["host", "user-agent", "accept", "accept-language", "accept-encoding", "accept-charset", "connection",
        "content-type", "content-length", "content-encoding", "transfer-encoding", "authorization", "referer",
        "origin", "cache-control", "pragma", "upgrade-insecure-requests", "if-none-match", "if-modified-since",
        "x-request-id", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-requested-with",
        "x-csrf-token", "x-csrftoken", "dnt", "te", "range", "forwarded", "via", "sec-fetch-site", "sec-fetch-mode",
        "sec-fetch-dest", "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "priority",
        "keep-alive", "expect", "x-api-key", "x-amzn-trace-id", "traceparent", "tracestate", "b3", "x-b3-traceid",
        "cookie"]
M=(1<<64)-1
def le(bs): return int.from_bytes(bytes(bs),'little')
def words(n):
    b=n.encode()
    c=len(b)
    if c<8: return [le(b),0,0,0]
    offs=[0,min(8,c-8),min(16,c-8),c-8]
    return [le(b[o:o+8]) for o in offs]
def slot(w,c):
    h=((w[0]*0x9E3779B97F4A7C15 & M) ^ (w[3]*0xC2B2AE3D27D4EB4F & M) ^ c) & M
    h=(h*0xFF51AFD7ED558CCD)&M
    return (h>>56)&255
slots=[-1]*256
for i,n in enumerate(names):
    s=slot(words(n),len(n))
    while slots[s]>=0: s=(s+1)&255
    slots[s]=i
import sys
out=[]
out.append('    static let names: [String] = [')
line='       '
for n in names:
    piece=' "%s",'%n
    if len(line)+len(piece)>120: out.append(line); line='       '
    line+=piece
out.append(line); out.append('    ]')
out.append('')
out.append('    /// `header.` and each name.')
out.append('    static let pointNames: [String] = [')
line='       '
for n in names:
    piece=' "header.%s",'%n
    if len(line)+len(piece)>120: out.append(line); line='       '
    line+=piece
out.append(line); out.append('    ]')
out.append('')
out.append('    /// Each name as four words (`key(of:)`), four per name.')
out.append('    private static let words: [UInt64] = [')
for i,n in enumerate(names):
    out.append('        '+', '.join('0x%016X'%w for w in words(n))+',  // '+n)
out.append('    ]')
out.append('')
out.append('    /// The length of each name.')
out.append('    private static let counts: [UInt8] = [')
for i in range(0, len(names), 25):
    out.append('        '+', '.join(str(len(n)) for n in names[i:i+25])+',')
out.append('    ]')
out.append('')
out.append('    /// Open addressing by `slot(of:count:)`: the index of a name, or -1.')
out.append('    private static let slots: [Int8] = [')
for i in range(0,256,32):
    out.append('        '+', '.join('%d'%v for v in slots[i:i+32])+',')
out.append('    ]')
print('\n'.join(out))
print('cookie', names.index('cookie'), 'authorization', names.index('authorization'), file=sys.stderr)
