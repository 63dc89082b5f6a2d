/**
 * The application of the README, verbatim: a handler and an authenticator as beans.
 */
@NullMarked
package com.example.support;

import org.jspecify.annotations.NullMarked;
