# Every language runs a hello-world and reports a failing program as a failure.
. "$(dirname "$0")/lib.sh"
require_jail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

check() { # LANG FILE VERDICT [STDOUT]
        sbx --language "$1" --source "$dir/$2"
        expect_verdict "$3"
        [ $# -lt 4 ] || expect stdout "$4"
}

printf 'print("hello")\n' >"$dir/ok.py"
printf 'raise SystemExit(3)\n' >"$dir/bad.py"
printf '#include <stdio.h>\nint main(void){puts("hello");return 0;}\n' >"$dir/ok.c"
printf 'int main(void){return 2;}\n' >"$dir/bad.c"
printf 'int main(void){ this is not C }\n' >"$dir/broken.c"
printf '#include <iostream>\nint main(){std::cout<<"hello"<<std::endl;}\n' >"$dir/ok.cpp"
printf '#include <stdexcept>\nint main(){throw std::runtime_error("x");}\n' >"$dir/bad.cpp"
printf 'console.log("hello")\n' >"$dir/ok.js"
printf 'process.exit(4)\n' >"$dir/bad.js"
printf 'public class Main { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$dir/ok.java"
printf 'public class Main { public static void main(String[] a) { throw new RuntimeException("x"); } }\n' >"$dir/bad.java"
printf 'echo hello\n' >"$dir/ok.sh"
printf 'exit 5\n' >"$dir/bad.sh"
printf 'print "hello\\n";\n' >"$dir/ok.pl"
printf 'die "x";\n' >"$dir/bad.pl"
chmod 644 "$dir"/*

check python ok.py OK "hello
"
check python bad.py RUNTIME_ERROR
check c ok.c OK "hello
"
check c bad.c RUNTIME_ERROR
check c broken.c COMPILE_ERROR
expect compile.verdict RUNTIME_ERROR
check cpp ok.cpp OK "hello
"
check cpp bad.cpp SIGNALED
check javascript ok.js OK "hello
"
check javascript bad.js RUNTIME_ERROR
check java ok.java OK "hello
"
check java bad.java RUNTIME_ERROR
check bash ok.sh OK "hello
"
check bash bad.sh RUNTIME_ERROR
check perl ok.pl OK "hello
"
check perl bad.pl RUNTIME_ERROR
