// Echo server on gorilla/websocket (Debian's golang-github-gorilla-websocket-dev)
// with permessage-deflate enabled. Usage: gorilla-echo PORT [--validate-utf8]
//
// Every text and binary message is read whole (ReadMessage, limit 64 MiB) and
// written back with the same opcode (WriteMessage, compression on). Pings are
// answered by the library's default handler, closes are echoed by the default
// close handler. gorilla does not check text payloads for UTF-8 itself; with
// --validate-utf8 the server does it like gorilla's own Autobahn server and
// closes with 1007 on invalid text.
package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

const maxMessage = 64 << 20

var validateUTF8 bool

var upgrader = websocket.Upgrader{
	ReadBufferSize:    64 << 10,
	WriteBufferSize:   64 << 10,
	EnableCompression: true,
	CheckOrigin:       func(r *http.Request) bool { return true },
}

func echo(w http.ResponseWriter, r *http.Request) {
	hdr := http.Header{}
	hdr.Set("Server", "gorilla-websocket/1.5.0 (wsspec zoo)")
	conn, err := upgrader.Upgrade(w, r, hdr)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(maxMessage)
	conn.EnableWriteCompression(true)
	for {
		op, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if validateUTF8 && op == websocket.TextMessage && !utf8.Valid(msg) {
			conn.WriteMessage(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""))
			return
		}
		if err := conn.WriteMessage(op, msg); err != nil {
			return
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gorilla-echo PORT [--validate-utf8]")
		os.Exit(2)
	}
	for _, a := range os.Args[2:] {
		if a == "--validate-utf8" {
			validateUTF8 = true
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	// SIGTERM keeps Go's default action: the process exits at once.
	log.Fatal(http.Serve(ln, http.HandlerFunc(echo)))
}
