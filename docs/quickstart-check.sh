#!/usr/bin/env bash
# Does what README.md's "Quick start" says, as a new user outside this build would: install the starter from this
# clone, add the README's dependency snippet (read from README.md, so the two cannot drift) to a minimal WebFlux
# app of its own, build that app, start it, curl it and stop it.
#
#   docs/quickstart-check.sh
#
# FLUXGATE_QUICKSTART_REPO: the local Maven repository to install into and build from (default: a throwaway one
# under /tmp, so ~/.m2 is left alone; seeded from ~/.m2/repository without dev/fluxgate to save downloads).
# Set it to ~/.m2/repository to check exactly the README's commands.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repo="${FLUXGATE_QUICKSTART_REPO:-/tmp/fluxgate-quickstart-m2}"
app="$(mktemp -d /tmp/fluxgate-outside-app.XXXXXX)"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$app"
}
trap cleanup EXIT

if [ ! -d "$repo" ] && [ -d "$HOME/.m2/repository" ] && [ "$repo" != "$HOME/.m2/repository" ]; then
  echo "Seeding $repo from ~/.m2/repository (without dev/fluxgate)"
  mkdir -p "$repo"
  (cd "$HOME/.m2/repository" && tar --exclude=./dev/fluxgate -cf - .) | (cd "$repo" && tar -xf -)
fi
rm -rf "$repo/dev/fluxgate"

# Step 1 of the Quick start, word for word (plus the repository location).
(cd "$root" && ./mvnw -B -q -Dmaven.repo.local="$repo" -pl starter-autoconfigure -am install -DskipTests)

# Step 2: the dependency snippet from the README, in an app that knows nothing of this build.
snippet="$(awk '/^## Quick start/{q=1} q&&/^```xml/{x=1;next} x&&/^```/{exit} x' "$root/README.md")"
[ -n "$snippet" ] || { echo "No xml snippet in README.md's Quick start" >&2; exit 1; }
boot_version="$(sed -n '/<parent>/,/<\/parent>/s:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml")"
mkdir -p "$app/src/main/java/com/example/outside"
cat > "$app/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
    <modelVersion>4.0.0</modelVersion>
    <parent>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-starter-parent</artifactId>
        <version>$boot_version</version>
        <relativePath/>
    </parent>
    <groupId>com.example</groupId>
    <artifactId>outside-app</artifactId>
    <version>1.0</version>
    <properties>
        <java.version>17</java.version>
$(sed -n 's:^\s*\(<netty.version>.*</netty.version>\)\s*$:        \1:p' "$root/pom.xml")
    </properties>
    <dependencies>
        <dependency>
            <groupId>org.springframework.boot</groupId>
            <artifactId>spring-boot-starter-webflux</artifactId>
        </dependency>
$snippet
    </dependencies>
    <build>
        <plugins>
            <plugin>
                <groupId>org.springframework.boot</groupId>
                <artifactId>spring-boot-maven-plugin</artifactId>
            </plugin>
        </plugins>
    </build>
</project>
EOF
cat > "$app/src/main/java/com/example/outside/OutsideApplication.java" <<'EOF'
package com.example.outside;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@SpringBootApplication
@RestController
public class OutsideApplication {

	@GetMapping("/hello")
	Mono<String> hello() {
		return Mono.just("hello");
	}

	public static void main(String[] args) {
		SpringApplication.run(OutsideApplication.class, args);
	}

}
EOF
"$root/mvnw" -B -q -f "$app/pom.xml" -Dmaven.repo.local="$repo" package

# Step 3: start it, curl it, stop it.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
java -jar "$app"/target/outside-app-1.0.jar --server.port="$port" > "$app/app.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/hello" > "$app/body" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$app/app.log" >&2; echo "The outside app exited" >&2; exit 1; }
  sleep 0.5
done
fail() { cat "$app/app.log" >&2; echo "$1" >&2; exit 1; }
[ "$(cat "$app/body" 2>/dev/null)" = hello ] || fail "GET /hello did not answer 'hello'"
grep -q 'Fluxgate concurrency settings' "$app/app.log" || fail "Fluxgate did not log its settings block"
echo "Quick start OK: the outside app built with the README's snippet, started with Fluxgate and answered /hello"
