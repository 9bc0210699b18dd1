package dev.fluxgate.autoconfigure.jobs;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import dev.fluxgate.jobs.Job;
import dev.fluxgate.jobs.JobCodec;
import dev.fluxgate.jobs.JobHandler;
import dev.fluxgate.offload.Offload;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringValueResolver;

/**
 * Finds the {@link JobHandler} methods of every bean as it is created (like {@code @Scheduled} methods) and turns
 * each into the function a worker calls: convert the stored payload to the parameter's type, then run the method on
 * the event loop (it returns a {@code Publisher}) or on the bounded blocking executor (anything else). Depends on no
 * bean, so registering it early initialises nothing before its time.
 */
final class JobHandlerMethods implements BeanPostProcessor, EmbeddedValueResolverAware {

	private final List<HandlerMethod> methods = new CopyOnWriteArrayList<>();

	private @Nullable StringValueResolver resolver;

	@Override
	public void setEmbeddedValueResolver(StringValueResolver resolver) {
		this.resolver = resolver;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		Class<?> target = AopUtils.getTargetClass(bean);
		if (!AnnotationUtils.isCandidateClass(target, JobHandler.class)) {
			return bean;
		}
		Map<Method, JobHandler> annotated = MethodIntrospector.selectMethods(target,
				(MethodIntrospector.MetadataLookup<JobHandler>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, JobHandler.class));
		annotated.forEach((method, handler) -> {
			if (method.getParameterCount() != 1) {
				throw new IllegalStateException("@JobHandler method %s.%s must take exactly one parameter (the payload or a Job<T>), not %d"
					.formatted(target.getSimpleName(), method.getName(), method.getParameterCount()));
			}
			String queue = (this.resolver != null) ? this.resolver.resolveStringValue(handler.value()) : handler.value();
			if (queue == null || queue.isBlank()) {
				throw new IllegalStateException("@JobHandler method %s.%s names no queue"
					.formatted(target.getSimpleName(), method.getName()));
			}
			this.methods.add(new HandlerMethod(queue, bean, beanName,
					AopUtils.selectInvocableMethod(method, bean.getClass())));
		});
		return bean;
	}

	List<HandlerMethod> methods() {
		return List.copyOf(this.methods);
	}

	/**
	 * One handler method.
	 *
	 * @param queue its queue
	 * @param bean the bean
	 * @param beanName the bean's name
	 * @param method the method
	 */
	record HandlerMethod(String queue, Object bean, String beanName, Method method) {

		/**
		 * What a worker calls for each attempt.
		 * @param codec payload conversion
		 * @param offload the bounded executors
		 * @return the function
		 */
		Function<Job<String>, Mono<?>> invoker(JobCodec codec, Offload offload) {
			ResolvableType parameter = ResolvableType.forMethodParameter(this.method, 0);
			boolean wantsJob = Job.class.equals(parameter.resolve());
			Type payloadType = wantsJob ? parameter.getGeneric(0).getType() : parameter.getType();
			boolean reactive = Publisher.class.isAssignableFrom(this.method.getReturnType());
			ReflectionUtils.makeAccessible(this.method);
			return (job) -> {
				Object payload = codec.decode(job.payload(), payloadType);
				Object argument = wantsJob ? job.withPayload(payload) : payload;
				if (reactive) {
					return Mono.defer(() -> {
						Object result = invoke(argument);
						return (result != null) ? Mono.from((Publisher<?>) result) : Mono.empty();
					});
				}
				return offload.blocking(() -> invoke(argument));
			};
		}

		private @Nullable Object invoke(Object argument) {
			try {
				return this.method.invoke(this.bean, argument);
			}
			catch (InvocationTargetException ex) {
				Throwable cause = ex.getTargetException();
				if (cause instanceof RuntimeException runtime) {
					throw runtime;
				}
				if (cause instanceof Error error) {
					throw error;
				}
				throw new IllegalStateException(cause);
			}
			catch (IllegalAccessException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
