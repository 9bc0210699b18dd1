package dev.fluxgate.autoconfigure.offload;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.web.method.HandlerMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The predicate behind a method is asked once per controller class and method, and its answer is kept.
 */
class PerMethodDecisionsTests {

	private final List<String> asked = new ArrayList<>();

	private final PerMethodDecisions decisions = new PerMethodDecisions((method) -> {
		this.asked.add(method.getBeanType().getSimpleName() + "#" + method.getMethod().getName());
		return method.getMethod().getName().equals("blocking");
	});

	@Test
	void asksOncePerClassAndMethodAndKeepsTheAnswer() throws Exception {
		for (int i = 0; i < 3; i++) {
			assertThat(this.decisions.test(handler(new Controller(), "blocking"))).isTrue();
			assertThat(this.decisions.test(handler(new Controller(), "reactive"))).isFalse();
			assertThat(this.decisions.test(handler(new OtherController(), "blocking"))).isTrue();
		}
		assertThat(this.asked).containsExactly("Controller#blocking", "Controller#reactive",
				"OtherController#blocking");
	}

	private static HandlerMethod handler(Object bean, String name) throws NoSuchMethodException {
		return new HandlerMethod(bean, Controller.class.getMethod(name));
	}

	static class Controller {

		public String blocking() {
			return "ok";
		}

		public String reactive() {
			return "ok";
		}

	}

	static class OtherController extends Controller {

	}

}
