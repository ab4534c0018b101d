package main
import "testing"
var s = `
func main() {
`
func TestX(t *testing.T) {}
