package dev.smtpd.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layout of {@code smtpd-core} (docs/architecture.md, "Layout"): the SPI in one
 * package that imports nothing of the engine, built-in handlers that use only the SPI, an
 * engine that is not an API, no Spring, no package cycles.
 */
@Tag("transport-independent")
class ArchitectureTests {

	private static final JavaClasses CORE = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.smtpd.core");

	private static final String[] JDK_AND_ANNOTATIONS = { "java..", "javax..", "org.jspecify.annotations.." };

	@Test
	void theSpiImportsOnlyItselfAndTheJdk() {
		classes().that()
			.resideInAPackage("dev.smtpd.core.handler..")
			.should()
			.onlyDependOnClassesThat()
			.resideInAnyPackage(with(JDK_AND_ANNOTATIONS, "dev.smtpd.core.handler.."))
			.check(CORE);
	}

	@Test
	void theAuthSpiImportsOnlyTheHandlerSpi() {
		classes().that()
			.resideInAPackage("dev.smtpd.core.auth..")
			.should()
			.onlyDependOnClassesThat()
			.resideInAnyPackage(with(JDK_AND_ANNOTATIONS, "dev.smtpd.core.auth..", "dev.smtpd.core.handler.."))
			.check(CORE);
	}

	@Test
	void eventsImportOnlyTheSpi() {
		classes().that()
			.resideInAPackage("dev.smtpd.core.event..")
			.should()
			.onlyDependOnClassesThat()
			.resideInAnyPackage(with(JDK_AND_ANNOTATIONS, "dev.smtpd.core.event..", "dev.smtpd.core.handler..",
					"dev.smtpd.core.auth.."))
			.check(CORE);
	}

	@Test
	void builtInHandlersUseOnlyTheSpi() {
		noClasses().that()
			.resideInAPackage("dev.smtpd.core.delivery..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.smtpd.core", "dev.smtpd.core.engine..", "dev.smtpd.core.auth..",
					"dev.smtpd.core.event..", "io.netty..")
			.check(CORE);
	}

	@Test
	void theRateLimiterUsesNeitherTheEngineNorNettyAndIsTheOnlyUserOfBucket4j() {
		noClasses().that()
			.resideInAPackage("dev.smtpd.core.ratelimit..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.smtpd.core.engine..", "dev.smtpd.core.auth..", "dev.smtpd.core.event..",
					"io.netty..")
			.check(CORE);
		noClasses().that()
			.resideOutsideOfPackage("dev.smtpd.core.ratelimit..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.github.bucket4j..")
			.check(CORE);
	}

	@Test
	void theEngineIsNotAnApi() {
		classes().that()
			.resideInAPackage("dev.smtpd.core.engine..")
			.and()
			.areTopLevelClasses()
			.and()
			.doNotHaveSimpleName("NettyServer")
			.and()
			.doNotHaveSimpleName("SessionRegistry")
			.should()
			.notHaveModifier(JavaModifier.PUBLIC)
			.check(CORE);
	}

	@Test
	void onlyTheServerUsesTheEngine() {
		noClasses().that()
			.resideOutsideOfPackages("dev.smtpd.core", "dev.smtpd.core.engine..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.smtpd.core.engine..")
			.check(CORE);
	}

	@Test
	void coreNeverImportsSpring() {
		noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..").check(CORE);
	}

	@Test
	void packagesHaveNoCycles() {
		slices().matching("dev.smtpd.core.(*)..").should().beFreeOfCycles().check(CORE);
	}

	private static String[] with(String[] base, String... more) {
		String[] all = new String[base.length + more.length];
		System.arraycopy(base, 0, all, 0, base.length);
		System.arraycopy(more, 0, all, base.length, more.length);
		return all;
	}

}
