import Foundation
import LoupeMES
import LoupeMESPeers

func runBench(_ args: [String]) throws {
    fail("bench: not yet")
}
